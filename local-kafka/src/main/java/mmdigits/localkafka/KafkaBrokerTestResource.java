package mmdigits.localkafka;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code @QuarkusTestResource(KafkaBrokerTestResource.class)}: a real local broker for the app
 * under test (one per test JVM), handed over as {@code kafka.bootstrap.servers}; and the test keys
 * ({@link #KEYS}, made on first use): the JWT verify key and the release key pair.
 */
public class KafkaBrokerTestResource implements QuarkusTestResourceLifecycleManager {
    /** Where the tests' keys are: {@code target/test-keys} of the module under test. */
    public static final Path KEYS = Path.of("target/test-keys").toAbsolutePath();

    /** The property naming a free port for a service's gRPC server in tests. */
    public static final String GRPC_PORT = "mmdigits.test.grpc-port";

    @Override
    public Map<String, String> start() {
        String bootstrap = SharedBroker.bootstrapServers();
        Map<String, String> config = new HashMap<>(Keys.config(testKeys()));
        config.put("kafka.bootstrap.servers", bootstrap);
        // a free port for a second server of the service under test (inference-service's gRPC: its
        // test-port)
        try {
            config.put(GRPC_PORT, Integer.toString(BrokerProcess.freePort()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return config;
    }

    /** The test keys, made if missing. */
    public static Path testKeys() {
        try {
            return Keys.ensure(KEYS);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(
                    "cannot make the test keys in " + KEYS + ": " + e.getMessage(), e);
        }
    }

    /** A token with these roles, signed with the test JWT key. */
    public static String token(String... roles) {
        try {
            return Keys.token(testKeys(), "test", List.of(roles), Duration.ofHours(1));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        // the broker is shared by every test of this JVM and stopped when the JVM exits
    }
}
