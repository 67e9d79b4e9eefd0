package mmdigits.viz.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import mmdigits.common.Topics;
import mmdigits.common.events.Publication;
import mmdigits.common.kafka.Consumers;
import mmdigits.common.kafka.KafkaClients;
import mmdigits.common.kafka.PublicationReader;
import mmdigits.common.kafka.SampleDeserializer;
import mmdigits.common.proto.Sample;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Reads particular test samples (their image and MFCC) back: from the offset ranges of the
 * dataset's latest publication, or — a dataset streamed sample by sample — by scanning the test
 * topic.
 */
@ApplicationScoped
public class SampleFetcher {
    private final KafkaClients kafka;

    public SampleFetcher(KafkaClients kafka) {
        this.kafka = kafka;
    }

    /** The samples with these ids that were found (undecodable ones skipped). */
    public Map<String, Sample> fetch(Set<String> ids, Optional<Publication> publication) {
        Map<String, Sample> out = new HashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        SampleDeserializer decoder = new SampleDeserializer();
        Consumer<ConsumerRecord<String, byte[]>> keep =
                r -> {
                    if (r.key() != null && ids.contains(r.key()) && r.value() != null) {
                        try {
                            Sample s = decoder.deserialize(r.topic(), r.headers(), r.value());
                            out.put(s.getId(), s);
                        } catch (RuntimeException e) {
                            // a broken record: the grid shows the sample without its picture
                        }
                    }
                };
        if (publication.isPresent() && publication.get().locatable()) {
            PublicationReader.read(kafka.config(), publication.get(), Duration.ofMinutes(2), keep);
        } else {
            scan(ids, out, keep);
        }
        return out;
    }

    private void scan(
            Set<String> ids,
            Map<String, Sample> out,
            Consumer<ConsumerRecord<String, byte[]>> keep) {
        try (KafkaConsumer<String, byte[]> c =
                kafka.consumer(
                        "mmdigits-viz-samples",
                        Map.of(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024))) {
            Consumers.scan(
                    c,
                    Topics.SAMPLES_TEST,
                    Duration.ofMinutes(2),
                    () -> out.size() >= ids.size(),
                    keep);
        }
    }
}
