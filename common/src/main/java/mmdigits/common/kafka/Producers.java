package mmdigits.common.kafka;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The project's plain producers: string keys, raw values, every record acknowledged by all
 * replicas, no duplicates on retry.
 */
public final class Producers {
    private Producers() {}

    /**
     * @param base the connection settings ({@link KafkaClients#config()}: Quarkus' kafka.*
     *     configuration)
     * @param more adds or overrides settings (a transactional id, batching, compression)
     */
    public static KafkaProducer<String, byte[]> idempotent(
            Map<String, Object> base, String clientId, Map<String, Object> more) {
        Map<String, Object> c = new HashMap<>(base);
        c.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.putAll(more);
        return new KafkaProducer<>(c, new StringSerializer(), new ByteArraySerializer());
    }

    /** For tests and tools: connection settings of nothing but the bootstrap servers. */
    public static KafkaProducer<String, byte[]> idempotent(
            String bootstrapServers, String clientId, Map<String, Object> more) {
        return idempotent(KafkaClients.config(bootstrapServers), clientId, more);
    }
}
