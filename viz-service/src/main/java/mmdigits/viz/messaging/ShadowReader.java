package mmdigits.viz.messaging;

import com.google.protobuf.InvalidProtocolBufferException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import mmdigits.common.Topics;
import mmdigits.common.kafka.KafkaClients;
import mmdigits.common.proto.Prediction;
import mmdigits.viz.Aggregates;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads the shadow predictions made beside a (dataset, version) pair from {@code
 * digits.predictions}: those marked shadow whose served version is the pair's, of the pair's
 * samples. A shadow's prediction of a sample is committed in the same transaction as the served
 * version's prediction and embedding of it, so once a report's embeddings are all there, so are the
 * shadow predictions of its samples: one read to the topic's current end, never a wait. Only the
 * records written since the pair's first scoring are read (the partitions' offsets for that time),
 * so the cost follows the pair, not the topic's history.
 */
@ApplicationScoped
public class ShadowReader {
    /** Record timestamps are taken after scored_at_ms; this margin covers clock steps between. */
    private static final long MARGIN_MS = 60_000;

    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private final KafkaClients kafka;

    public ShadowReader(KafkaClients kafka) {
        this.kafka = kafka;
    }

    /**
     * The latest shadow prediction of each (sample, shadow version) among {@code ids}, made beside
     * {@code pair}'s version, written since {@code sinceMs}.
     */
    public List<Prediction> read(Aggregates.Pair pair, Set<String> ids, long sinceMs) {
        Map<String, Prediction> latest = new LinkedHashMap<>();
        try (KafkaConsumer<String, byte[]> c =
                kafka.consumer(
                        "mmdigits-viz-shadow",
                        Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000))) {
            Map<TopicPartition, Long> end = seekToTime(c, sinceMs - MARGIN_MS);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (end.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue())
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    keep(r, pair, ids, latest);
                }
            }
        }
        return new ArrayList<>(latest.values());
    }

    /** Assigns every partition at the first offset written at or after {@code ms}; their ends. */
    private static Map<TopicPartition, Long> seekToTime(KafkaConsumer<String, byte[]> c, long ms) {
        List<TopicPartition> parts =
                c.partitionsFor(Topics.PREDICTIONS, Duration.ofSeconds(30)).stream()
                        .map(p -> new TopicPartition(Topics.PREDICTIONS, p.partition()))
                        .toList();
        c.assign(parts);
        Map<TopicPartition, Long> end = c.endOffsets(parts);
        Map<TopicPartition, Long> times = new HashMap<>();
        parts.forEach(p -> times.put(p, Math.max(0, ms)));
        Map<TopicPartition, OffsetAndTimestamp> from = c.offsetsForTimes(times);
        for (TopicPartition p : parts) {
            OffsetAndTimestamp at = from.get(p);
            c.seek(p, at == null ? end.get(p) : at.offset());
        }
        return end;
    }

    private static void keep(
            ConsumerRecord<String, byte[]> r,
            Aggregates.Pair pair,
            Set<String> ids,
            Map<String, Prediction> latest) {
        if (r.value() == null || !ids.contains(r.key())) {
            return;
        }
        try {
            Prediction p = Prediction.parseFrom(r.value());
            if (p.getShadow()
                    && p.getServedVersion().equals(pair.version())
                    && p.getDataset().equals(pair.dataset())) {
                latest.put(p.getSampleId() + '\n' + p.getModelVersion(), p);
            }
        } catch (InvalidProtocolBufferException ignored) {
            // not a prediction: nothing this report can compare
        }
    }
}
