package mmdigits.common.kafka;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Who makes the project's topics. With {@code mmdigits.topics.create-on-start=true} (the local
 * broker of {@code ./digits}, docker compose) this service does: in the background at start,
 * retrying while the broker is not up yet, so that consumers find their topics instead of waiting
 * for the first producer, and before its first publish ({@link #ensure}). With {@code false} (the
 * cluster mode and Kubernetes, where the topics and their configurations come from {@code
 * deploy/base/topics.yaml} through the Strimzi Topic Operator or the local setup step) it never
 * creates, describes or alters a topic configuration: its Kafka user has no rights to.
 */
@ApplicationScoped
public class TopicBootstrap {
    private static final System.Logger LOG = System.getLogger(TopicBootstrap.class.getName());

    private final boolean enabled;
    private final KafkaClients kafka;
    private volatile boolean done;

    public TopicBootstrap(
            @ConfigProperty(name = "mmdigits.topics.create-on-start", defaultValue = "false")
                    boolean enabled,
            KafkaClients kafka) {
        this.enabled = enabled;
        this.kafka = kafka;
    }

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object event) {
        if (!enabled) {
            LOG.log(
                    System.Logger.Level.INFO,
                    "topics are managed outside this service (mmdigits.topics.create-on-start=false)");
            return;
        }
        Thread t = new Thread(this::createInBackground, "topic-bootstrap");
        t.setDaemon(true);
        t.start();
    }

    /** Whether this service makes the topics ({@code mmdigits.topics.create-on-start}). */
    public boolean enabled() {
        return enabled;
    }

    /**
     * Makes sure the topics exist before a first publish: creates the missing ones and aligns the
     * configurations when this service manages them, does nothing otherwise.
     */
    public synchronized void ensure(Duration timeout) throws Exception {
        if (!enabled || done) {
            return;
        }
        List<String> created = TopicAdmin.ensureTopics(kafka.config(), timeout);
        if (!created.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "created topics " + created);
        }
        done = true;
    }

    private void createInBackground() {
        for (int attempt = 1; attempt <= 30 && !done; attempt++) {
            try {
                ensure(Duration.ofSeconds(10));
                return;
            } catch (Exception e) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "topics not created yet (attempt " + attempt + "): " + e.getMessage());
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}
