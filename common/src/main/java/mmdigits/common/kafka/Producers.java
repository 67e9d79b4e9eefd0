package mmdigits.common.kafka;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The project's plain producers: string keys, raw values, every record acknowledged by all replicas, no duplicates on retry. */
public final class Producers {
    private Producers() {
    }

    /** {@code more} adds or overrides settings. */
    public static KafkaProducer<String, byte[]> idempotent(String bootstrapServers, String clientId, Map<String, Object> more) {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.putAll(more);
        return new KafkaProducer<>(c, new StringSerializer(), new ByteArraySerializer());
    }
}
