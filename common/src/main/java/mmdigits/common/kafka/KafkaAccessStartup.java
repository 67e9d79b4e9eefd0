package mmdigits.common.kafka;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * At start, in the background, checks that this service's Kafka user may do what the service needs
 * ({@link KafkaAccess} of {@code mmdigits.kafka.service}): a missing ACL is logged as an error
 * naming it and the service exits (status 1) — on Kubernetes the pod restarts until the User
 * Operator has made the ACLs; topics that do not exist yet are waited for (the Topic Operator, or
 * this service's own topic bootstrap, makes them). While unchecked the service is not ready. An
 * unreachable broker is retried.
 */
@Readiness
@ApplicationScoped
public class KafkaAccessStartup implements HealthCheck {
    private static final System.Logger LOG = System.getLogger(KafkaAccessStartup.class.getName());
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final KafkaClients kafka;
    private final Optional<String> service;
    private final String instanceId;
    private final String user;
    private volatile String state = "not checked yet";
    private volatile boolean granted;

    public KafkaAccessStartup(
            KafkaClients kafka,
            @ConfigProperty(name = "mmdigits.kafka.service") Optional<String> service,
            @ConfigProperty(name = "mmdigits.instance-id") Optional<String> instanceId,
            @ConfigProperty(name = "quarkus.http.port") int httpPort) {
        this.kafka = kafka;
        this.service = service;
        this.instanceId = InstanceId.resolve(instanceId, httpPort);
        this.user = KafkaAccessCheck.user(kafka.config());
    }

    void onStart(@Observes StartupEvent ignored) {
        if (service.isEmpty()) {
            granted = true;
            state = "no access check (mmdigits.kafka.service is not set)";
            return;
        }
        Thread t = new Thread(this::checkUntilDecided, "kafka-access-check");
        t.setDaemon(true);
        t.start();
    }

    private void checkUntilDecided() {
        List<KafkaAccess.Need> needs = KafkaAccess.of(service.get());
        boolean waitedForTopics = false;
        while (true) {
            try (Admin admin = kafka.admin(TIMEOUT)) {
                List<KafkaAccessCheck.Finding> findings =
                        KafkaAccessCheck.check(admin, user, needs, instanceId, TIMEOUT);
                List<KafkaAccessCheck.Finding> refused =
                        findings.stream().filter(f -> !f.missingTopic()).toList();
                if (!refused.isEmpty()) {
                    refuse(refused);
                    return;
                }
                if (findings.isEmpty()) {
                    granted = true;
                    state = "Kafka user '" + user + "' has the " + needs.size() + " ACLs it needs";
                    LOG.log(System.Logger.Level.INFO, state);
                    return;
                }
                state = "waiting for " + findings.get(0).message();
                if (!waitedForTopics) {
                    LOG.log(System.Logger.Level.WARNING, state + " (its topics are made outside)");
                    waitedForTopics = true;
                }
            } catch (Exception e) {
                state = "the access check could not be made (retrying): " + e;
            }
            if (!pause()) {
                return;
            }
        }
    }

    private void refuse(List<KafkaAccessCheck.Finding> refused) {
        refused.forEach(f -> LOG.log(System.Logger.Level.ERROR, f.message()));
        state = refused.get(0).message();
        LOG.log(
                System.Logger.Level.ERROR,
                service.get()
                        + "-service stops: its Kafka user lacks "
                        + refused.size()
                        + " ACL(s)");
        Quarkus.asyncExit(1);
    }

    private static boolean pause() {
        try {
            Thread.sleep(2000);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("kafka-access")
                .status(granted)
                .withData("user", user)
                .withData("state", state)
                .build();
    }
}
