package mmdigits.common.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import mmdigits.common.Topics;

/** Creates the project's topics explicitly (brokers run with auto-creation off). */
public final class TopicAdmin {
    private TopicAdmin() {
    }

    public static Admin admin(String bootstrapServers) {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "mmdigits-admin",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    /** Creates every topic of {@link Topics#ALL} that does not exist yet; returns the ones it created. */
    public static List<String> ensureTopics(Admin admin, Collection<Topics.Spec> specs, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        List<NewTopic> missing = new ArrayList<>();
        for (Topics.Spec spec : specs) {
            if (!existing.contains(spec.name())) {
                missing.add(new NewTopic(spec.name(), spec.partitions(), (short) -1).configs(spec.configs()));
            }
        }
        List<String> created = new ArrayList<>();
        var result = admin.createTopics(missing);
        for (NewTopic topic : missing) {
            try {
                result.values().get(topic.name()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                created.add(topic.name());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e; // created concurrently by another service is fine; anything else is not
                }
            }
        }
        return created;
    }

    public static List<String> ensureTopics(String bootstrapServers, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        try (Admin admin = admin(bootstrapServers)) {
            return ensureTopics(admin, Topics.ALL, timeout);
        }
    }
}
