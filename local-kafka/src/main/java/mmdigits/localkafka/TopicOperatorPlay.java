package mmdigits.localkafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import mmdigits.localkafka.StrimziResources.Topic;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Strimzi's Topic Operator, played once: every {@code KafkaTopic} is created when missing,
 * otherwise its partitions are raised and its topic configs made exactly those of the resource
 * (differing ones set, configs the resource no longer lists deleted). What the operator refuses too
 * (fewer partitions, another replication factor) is reported, not done.
 */
final class TopicOperatorPlay {
    static final long TIMEOUT_SECONDS = 60;

    private final Admin admin;
    private final List<String> problems = new ArrayList<>();

    TopicOperatorPlay(Admin admin) {
        this.admin = admin;
    }

    /** Reconciles every topic; returns what it did, one line per topic. */
    List<String> reconcile(List<Topic> topics) throws InterruptedException {
        Set<String> existing = get(admin.listTopics().names());
        List<String> done = new ArrayList<>();
        for (Topic t : topics) {
            done.add(
                    "topic "
                            + t.name()
                            + ": "
                            + (existing.contains(t.name()) ? align(t) : create(t)));
        }
        return done;
    }

    /** The refusals: a topic whose partitions or replicas the operator would not change. */
    List<String> problems() {
        return List.copyOf(problems);
    }

    private String create(Topic t) throws InterruptedException {
        NewTopic topic = new NewTopic(t.name(), t.partitions(), t.replicas()).configs(t.config());
        get(admin.createTopics(List.of(topic)).all());
        return "created ("
                + t.partitions().map(String::valueOf).orElse("default")
                + " partitions, "
                + t.replicas().map(String::valueOf).orElse("default")
                + " replicas, configs "
                + t.config()
                + ")";
    }

    private String align(Topic t) throws InterruptedException {
        TopicDescription d =
                get(admin.describeTopics(List.of(t.name())).allTopicNames()).get(t.name());
        List<String> changes = new ArrayList<>();
        alignPartitions(t, d, changes);
        checkReplicas(t, d);
        alignConfigs(t, changes);
        return changes.isEmpty() ? "unchanged" : String.join("; ", changes);
    }

    private void alignPartitions(Topic t, TopicDescription d, List<String> changes)
            throws InterruptedException {
        if (t.partitions().isEmpty()) {
            return;
        }
        int want = t.partitions().get();
        int have = d.partitions().size();
        if (want > have) {
            get(admin.createPartitions(Map.of(t.name(), NewPartitions.increaseTo(want))).all());
            changes.add("partitions " + have + " -> " + want);
        } else if (want < have) {
            problems.add(
                    "topic "
                            + t.name()
                            + " has "
                            + have
                            + " partitions, the KafkaTopic asks for "
                            + want
                            + ": Kafka cannot take partitions away");
        }
    }

    private void checkReplicas(Topic t, TopicDescription d) {
        int have = d.partitions().get(0).replicas().size();
        if (t.replicas().isPresent() && t.replicas().get() != have) {
            problems.add(
                    "topic "
                            + t.name()
                            + " has "
                            + have
                            + " replicas, the KafkaTopic asks for "
                            + t.replicas().get()
                            + ": changing the replication factor is a reassignment (Strimzi does it"
                            + " with Cruise Control), not played here");
        }
    }

    /** Sets the configs that differ and deletes the dynamic ones the resource does not list. */
    private void alignConfigs(Topic t, List<String> changes) throws InterruptedException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, t.name());
        Config config = get(admin.describeConfigs(List.of(resource)).all()).get(resource);
        Map<String, String> dynamic =
                config.entries().stream()
                        .filter(e -> e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG)
                        .collect(Collectors.toMap(ConfigEntry::name, ConfigEntry::value));
        List<AlterConfigOp> ops = new ArrayList<>();
        t.config()
                .forEach(
                        (k, v) -> {
                            if (!v.equals(dynamic.get(k))) {
                                ops.add(op(k, v, AlterConfigOp.OpType.SET));
                                changes.add("set " + k + "=" + v);
                            }
                        });
        dynamic.keySet().stream()
                .filter(k -> !t.config().containsKey(k))
                .forEach(
                        k -> {
                            ops.add(op(k, null, AlterConfigOp.OpType.DELETE));
                            changes.add("deleted " + k);
                        });
        if (!ops.isEmpty()) {
            get(admin.incrementalAlterConfigs(Map.of(resource, ops)).all());
        }
    }

    private static AlterConfigOp op(String key, String value, AlterConfigOp.OpType type) {
        return new AlterConfigOp(new ConfigEntry(key, value), type);
    }

    static <T> T get(KafkaFuture<T> future) throws InterruptedException {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().toString(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "the cluster did not answer within " + TIMEOUT_SECONDS + " s", e);
        }
    }
}
