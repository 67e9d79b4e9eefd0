package mmdigits.localkafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * For tests and tools: a plain Kafka consumer that reads a whole topic to its current end, as any
 * client would.
 */
public final class TopicReader {
    private TopicReader() {}

    /**
     * Every record of {@code topic} up to its current end ({@code read_committed} or {@code
     * read_uncommitted}).
     */
    public static List<ConsumerRecord<String, byte[]>> readAll(
            String bootstrap, String topic, String isolation) {
        return readAll(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), topic, isolation);
    }

    /**
     * The same with the connection settings of a secured cluster (bootstrap servers, SASL: e.g.
     * {@link LocalCluster#adminProperties()}).
     */
    public static List<ConsumerRecord<String, byte[]>> readAll(
            Map<String, ?> connection, String topic, String isolation) {
        Map<String, Object> config = new HashMap<>(connection);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + UUID.randomUUID());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        try (KafkaConsumer<String, byte[]> c =
                new KafkaConsumer<>(
                        config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions =
                    c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "could not read " + topic + " to its end in 60 s");
                }
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }
}
