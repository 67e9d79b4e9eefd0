package mmdigits.common.kafka;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The project's plain consumers: string keys, raw values (decoded by the caller, so that an undecodable
 * record can go to the dead-letter topic), {@code read_committed} (a half-published split stays
 * invisible) and no auto-commit (offsets are committed by hand, or not at all).
 */
public final class Consumers {
    private Consumers() {
    }

    /** {@code more} adds or overrides settings (group id, poll and fetch sizes). */
    public static KafkaConsumer<String, byte[]> readCommitted(String bootstrapServers, String clientId, Map<String, Object> more) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.putAll(more);
        return new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
