package mmdigits.common.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import mmdigits.common.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the project's topics explicitly (brokers run with auto-creation off) and brings the
 * configurations of existing ones (e.g. made by an older version) to {@link Topics#ALL}: retention
 * and compaction are part of the guarantees, not a broker default.
 */
public final class TopicAdmin {
    private TopicAdmin() {}

    public static Admin admin(String bootstrapServers) {
        return admin(KafkaClients.config(bootstrapServers), Duration.ofSeconds(30));
    }

    public static Admin admin(String bootstrapServers, Duration timeout) {
        return admin(KafkaClients.config(bootstrapServers), timeout);
    }

    /**
     * An admin client on the connection settings {@code base}, whose calls give up after {@code
     * timeout}.
     */
    public static Admin admin(Map<String, Object> base, Duration timeout) {
        int ms = (int) timeout.toMillis();
        Map<String, Object> c = new HashMap<>(base);
        c.put(AdminClientConfig.CLIENT_ID_CONFIG, "mmdigits-admin");
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(15_000, ms));
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
        return Admin.create(c);
    }

    /**
     * Creates every topic of {@code specs} that does not exist yet and sets the configurations of
     * those that do; returns the ones it created.
     */
    public static List<String> ensureTopics(
            Admin admin, Collection<Topics.Spec> specs, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> existing =
                admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        List<NewTopic> missing = new ArrayList<>();
        List<Topics.Spec> present = new ArrayList<>();
        for (Topics.Spec spec : specs) {
            if (existing.contains(spec.name())) {
                present.add(spec);
            } else {
                missing.add(
                        new NewTopic(spec.name(), spec.partitions(), (short) -1)
                                .configs(spec.configs()));
            }
        }
        List<String> created = create(admin, missing, timeout);
        alignConfigs(admin, present, timeout);
        return created;
    }

    private static List<String> create(Admin admin, List<NewTopic> missing, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        List<String> created = new ArrayList<>();
        var result = admin.createTopics(missing);
        for (NewTopic topic : missing) {
            try {
                result.values().get(topic.name()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                created.add(topic.name());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e; // created concurrently by another service is fine; anything else is
                    // not
                }
            }
        }
        return created;
    }

    /**
     * Sets the spec's configuration values that an existing topic does not have (nothing else is
     * touched).
     */
    static void alignConfigs(Admin admin, List<Topics.Spec> specs, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (specs.isEmpty()) {
            return;
        }
        List<ConfigResource> resources =
                specs.stream()
                        .map(s -> new ConfigResource(ConfigResource.Type.TOPIC, s.name()))
                        .toList();
        Map<ConfigResource, Config> current =
                admin.describeConfigs(resources)
                        .all()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
        for (Topics.Spec spec : specs) {
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, spec.name());
            List<AlterConfigOp> ops = new ArrayList<>();
            spec.configs()
                    .forEach(
                            (key, value) -> {
                                ConfigEntry entry = current.get(r).get(key);
                                if (entry == null || !value.equals(entry.value())) {
                                    ops.add(
                                            new AlterConfigOp(
                                                    new ConfigEntry(key, value),
                                                    AlterConfigOp.OpType.SET));
                                }
                            });
            if (!ops.isEmpty()) {
                changes.put(r, ops);
            }
        }
        if (!changes.isEmpty()) {
            admin.incrementalAlterConfigs(changes)
                    .all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    public static List<String> ensureTopics(String bootstrapServers, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        return ensureTopics(KafkaClients.config(bootstrapServers), timeout);
    }

    public static List<String> ensureTopics(Map<String, Object> base, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        try (Admin admin = admin(base, timeout)) {
            return ensureTopics(admin, Topics.ALL, timeout);
        }
    }
}
