package mmdigits.common.kafka;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Creates the project's topics when a service starts ({@code
 * mmdigits.topics.create-on-start=true}), in the background, retrying while the broker is not up
 * yet: consumers then find their topics instead of waiting for the first producer.
 */
@ApplicationScoped
public class TopicBootstrap {
    private static final System.Logger LOG = System.getLogger(TopicBootstrap.class.getName());

    void onStart(
            @Observes @Initialized(ApplicationScoped.class) Object event,
            @ConfigProperty(name = "mmdigits.topics.create-on-start", defaultValue = "false")
                    boolean enabled,
            KafkaClients kafka) {
        if (!enabled) {
            return;
        }
        Thread t =
                new Thread(
                        () -> {
                            for (int attempt = 1; attempt <= 30; attempt++) {
                                try {
                                    List<String> created =
                                            TopicAdmin.ensureTopics(
                                                    kafka.config(), Duration.ofSeconds(10));
                                    if (!created.isEmpty()) {
                                        LOG.log(
                                                System.Logger.Level.INFO,
                                                "created topics " + created);
                                    }
                                    return;
                                } catch (Exception e) {
                                    LOG.log(
                                            System.Logger.Level.WARNING,
                                            "topics not created yet (attempt "
                                                    + attempt
                                                    + "): "
                                                    + e.getMessage());
                                    try {
                                        Thread.sleep(2000);
                                    } catch (InterruptedException ie) {
                                        return;
                                    }
                                }
                            }
                        },
                        "topic-bootstrap");
        t.setDaemon(true);
        t.start();
    }
}
