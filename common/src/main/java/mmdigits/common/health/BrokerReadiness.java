package mmdigits.common.health;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import mmdigits.common.kafka.KafkaClients;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready when the Kafka broker answers: without it nothing can be published. */
@Readiness
@ApplicationScoped
public class BrokerReadiness implements HealthCheck {
    private final KafkaClients kafka;
    private final String bootstrapServers;
    private Admin admin;

    public BrokerReadiness(KafkaClients kafka) {
        this.kafka = kafka;
        this.bootstrapServers = kafka.bootstrapServers();
    }

    @Override
    public HealthCheckResponse call() {
        try {
            var cluster = admin().describeCluster(new DescribeClusterOptions().timeoutMs(3000));
            int nodes = cluster.nodes().get(3, TimeUnit.SECONDS).size();
            return HealthCheckResponse.named("kafka-broker")
                    .up()
                    .withData("bootstrap.servers", bootstrapServers)
                    .withData("nodes", nodes)
                    .build();
        } catch (Exception e) {
            return HealthCheckResponse.named("kafka-broker")
                    .down()
                    .withData("bootstrap.servers", bootstrapServers)
                    .withData("error", String.valueOf(e.getMessage()))
                    .build();
        }
    }

    /** Whether the broker answers now (within 3 s). */
    public boolean answers() {
        return call().getStatus() == HealthCheckResponse.Status.UP;
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = kafka.admin(Duration.ofSeconds(3));
        }
        return admin;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
