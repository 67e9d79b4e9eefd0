package mmdigits.common.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The project's plain consumers: string keys, raw values (decoded by the caller, so that an
 * undecodable record can go to the dead-letter topic), {@code read_committed} (a half-published
 * split stays invisible) and no auto-commit (offsets are committed by hand, or not at all).
 */
public final class Consumers {
    private Consumers() {}

    /**
     * @param base the connection settings ({@link KafkaClients#config()}: Quarkus' kafka.*
     *     configuration)
     * @param more adds or overrides settings (group id, poll and fetch sizes)
     */
    public static KafkaConsumer<String, byte[]> readCommitted(
            Map<String, Object> base, String clientId, Map<String, Object> more) {
        Map<String, Object> c = new HashMap<>(base);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.putAll(more);
        return new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** For tests and tools: connection settings of nothing but the bootstrap servers. */
    public static KafkaConsumer<String, byte[]> readCommitted(
            String bootstrapServers, String clientId, Map<String, Object> more) {
        return readCommitted(KafkaClients.config(bootstrapServers), clientId, more);
    }

    /**
     * Reads a whole topic, every partition from its beginning to the end it has now, handing each
     * record to {@code each}; stops early when {@code enough} says so or {@code timeout} has
     * passed.
     */
    public static void scan(
            KafkaConsumer<String, byte[]> c,
            String topic,
            Duration timeout,
            BooleanSupplier enough,
            Consumer<ConsumerRecord<String, byte[]>> each) {
        List<TopicPartition> parts =
                c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                        .map(p -> new TopicPartition(topic, p.partition()))
                        .toList();
        c.assign(parts);
        c.seekToBeginning(parts);
        Map<TopicPartition, Long> end = c.endOffsets(parts);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!enough.getAsBoolean()
                && parts.stream().anyMatch(p -> c.position(p) < end.get(p))
                && System.nanoTime() < deadline) {
            c.poll(Duration.ofMillis(500)).forEach(each);
        }
    }
}
