package mmdigits.localkafka;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * {@code @QuarkusTestResource(KafkaBrokerTestResource.class)}: a real local broker for the app under
 * test (one per test JVM), handed over as {@code kafka.bootstrap.servers}.
 */
public class KafkaBrokerTestResource implements QuarkusTestResourceLifecycleManager {
    @Override
    public Map<String, String> start() {
        String bootstrap = SharedBroker.bootstrapServers();
        return Map.of("kafka.bootstrap.servers", bootstrap);
    }

    @Override
    public void stop() {
        // the broker is shared by every test of this JVM and stopped when the JVM exits
    }
}
