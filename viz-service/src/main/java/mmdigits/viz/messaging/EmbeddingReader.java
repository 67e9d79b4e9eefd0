package mmdigits.viz.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mmdigits.common.Topics;
import mmdigits.common.kafka.Consumers;
import mmdigits.common.kafka.KafkaClients;
import mmdigits.common.proto.Embedding;
import mmdigits.viz.Aggregates;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Reads one pair's embeddings again from {@code digits.embeddings} (to its current end; the latest
 * per sample id): for a report asked for after its embeddings were dropped (rebuilt, or not kept).
 */
@ApplicationScoped
public class EmbeddingReader {
    private final KafkaClients kafka;

    public EmbeddingReader(KafkaClients kafka) {
        this.kafka = kafka;
    }

    public List<Embedding> read(Aggregates.Pair pair) {
        Map<String, Embedding> latest = new LinkedHashMap<>();
        try (KafkaConsumer<String, byte[]> c =
                kafka.consumer(
                        "mmdigits-viz-reread",
                        Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000))) {
            Consumers.scan(
                    c,
                    Topics.EMBEDDINGS,
                    Duration.ofMinutes(10),
                    () -> false,
                    r -> keep(r, pair, latest));
        }
        return new ArrayList<>(latest.values());
    }

    private static void keep(
            ConsumerRecord<String, byte[]> r, Aggregates.Pair pair, Map<String, Embedding> latest) {
        if (r.value() == null) {
            return;
        }
        try {
            Embedding e = VizLogs.decode(r.value());
            if (e.getModelVersion().equals(pair.version())
                    && e.getDataset().equals(pair.dataset())) {
                latest.put(e.getSampleId(), e);
            }
        } catch (Exception ignored) {
            // dead-lettered by the collector
        }
    }
}
