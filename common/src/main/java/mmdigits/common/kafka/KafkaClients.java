package mmdigits.common.kafka;

import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * The one place the services' plain Kafka clients come from, all built from Quarkus' {@code
 * kafka.*} configuration (the {@code default-kafka-broker} map the Kafka extension produces: the
 * bootstrap servers, and whatever security a deployment adds) — the same settings as the SmallRye
 * channels. Plain clients, not channels, where the connector cannot do the job: reading a topic
 * from its start to the end it has now (state rebuilt from a log, a split read through its offset
 * ranges), offsets committed in a producer's transaction with metadata, and the offsets of records
 * just sent.
 */
@ApplicationScoped
public class KafkaClients {
    private final Map<String, Object> config;

    public KafkaClients(@Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.config = Map.copyOf(kafka);
    }

    /** Connection settings of nothing but the bootstrap servers (tests, tools). */
    public static Map<String, Object> config(String bootstrapServers) {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    }

    /** The connection settings every client starts from. */
    public Map<String, Object> config() {
        return new HashMap<>(config);
    }

    public String bootstrapServers() {
        return String.valueOf(config.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
    }

    /** A {@code read_committed} consumer with no auto-commit ({@link Consumers}). */
    public KafkaConsumer<String, byte[]> consumer(String clientId, Map<String, Object> more) {
        return Consumers.readCommitted(config, clientId, more);
    }

    /** An idempotent producer, acknowledged by all replicas ({@link Producers}). */
    public KafkaProducer<String, byte[]> producer(String clientId, Map<String, Object> more) {
        return Producers.idempotent(config, clientId, more);
    }

    public Admin admin(Duration timeout) {
        return TopicAdmin.admin(config, timeout);
    }
}
