package mmdigits.localkafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The setup step on the real production overlay ({@code kubectl kustomize
 * deploy/overlays/production}), on a 3-node cluster whose broker settings come from that overlay's
 * {@code Kafka}: the topics and ACLs in the cluster are those the YAML lists (read here with
 * Jackson, not by the code under test), every topic on 3 replicas with min.insync.replicas 2, and a
 * second run changes nothing.
 */
class ProductionOverlayIT {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void theClusterHoldsWhatTheProductionOverlayLists() throws Exception {
        Path root = Clone.root();
        Path kubectl = root.resolve("tools/kubectl/bin/kubectl");
        assumeTrue(
                Files.isExecutable(kubectl),
                "tools/kubectl/bin/kubectl is missing (./digits deps installs it): the setup step"
                        + " on the production overlay is not tested");
        Path dir =
                LocalClusterIT.fresh(Path.of("target", "production-overlay-it").toAbsolutePath());
        Path rendered = render(kubectl, root, dir.resolve("production.yaml"));
        List<JsonNode> docs = documents(rendered);

        long t0 = System.nanoTime();
        try (LocalCluster cluster =
                        LocalCluster.builder(dir.resolve("cluster"))
                                .nodes(brokerNodes(docs))
                                .strimzi(rendered)
                                .start();
                Admin admin = Admin.create(new HashMap<>(cluster.adminProperties()))) {
            long t1 = System.nanoTime();
            cluster.apply(rendered);
            long t2 = System.nanoTime();
            List<String> second = cluster.apply(rendered);
            System.out.printf(
                    "ProductionOverlayIT: cluster %d ms, first setup %d ms, second %d ms%n",
                    (t1 - t0) / 1_000_000,
                    (t2 - t1) / 1_000_000,
                    (System.nanoTime() - t2) / 1_000_000);

            assertBrokerSettings(admin, kafkaConfig(docs));
            assertTopics(admin, topics(docs));
            assertAcls(admin, aclCounts(docs));
            assertThat(second.stream().filter(l -> l.startsWith("strimzi-play: topic")))
                    .allMatch(l -> l.endsWith(": unchanged"));
            assertThat(second.stream().filter(l -> l.startsWith("strimzi-play: user")))
                    .hasSize(aclCounts(docs).size())
                    .allMatch(
                            l ->
                                    l.contains("password kept")
                                            && l.endsWith("(0 created, 0 deleted)"));
            for (String user : aclCounts(docs).keySet()) {
                assertAuthenticates(cluster.clientProperties(user));
            }
        }
    }

    private static void assertBrokerSettings(Admin admin, Map<String, String> yaml)
            throws Exception {
        ConfigResource node = new ConfigResource(ConfigResource.Type.BROKER, "1");
        Config broker = admin.describeConfigs(List.of(node)).all().get().get(node);
        yaml.forEach((k, v) -> assertThat(broker.get(k).value()).as(k).isEqualTo(v));
        assertThat(broker.get("default.replication.factor").value()).isEqualTo("3");
        assertThat(broker.get("min.insync.replicas").value()).isEqualTo("2");
        assertThat(broker.get("offsets.topic.replication.factor").value()).isEqualTo("3");
        assertThat(broker.get("transaction.state.log.min.isr").value()).isEqualTo("2");
        assertThat(broker.get("unclean.leader.election.enable").value()).isEqualTo("false");
    }

    private static void assertTopics(Admin admin, Map<String, JsonNode> yaml) throws Exception {
        assertThat(admin.listTopics().names().get())
                .containsExactlyInAnyOrderElementsOf(yaml.keySet());
        Map<String, TopicDescription> described =
                admin.describeTopics(yaml.keySet()).allTopicNames().get();
        for (var e : yaml.entrySet()) {
            JsonNode spec = e.getValue();
            TopicDescription d = described.get(e.getKey());
            assertThat(d.partitions()).as(e.getKey()).hasSize(spec.path("partitions").asInt());
            d.partitions().forEach(p -> assertThat(p.replicas()).as(e.getKey()).hasSize(3));
            assertThat(spec.path("replicas").asInt()).as(e.getKey()).isEqualTo(3);
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, e.getKey());
            Config config = admin.describeConfigs(List.of(r)).all().get().get(r);
            assertThat(config.get("min.insync.replicas").value()).as(e.getKey()).isEqualTo("2");
            spec.path("config")
                    .fields()
                    .forEachRemaining(
                            c ->
                                    assertThat(config.get(c.getKey()).value())
                                            .as(e.getKey() + " " + c.getKey())
                                            .isEqualTo(c.getValue().asText()));
        }
    }

    private static void assertAcls(Admin admin, Map<String, Integer> yaml) throws Exception {
        Map<String, Integer> bound = new TreeMap<>();
        for (AclBinding b : admin.describeAcls(AclBindingFilter.ANY).values().get()) {
            bound.merge(b.entry().principal().substring("User:".length()), 1, Integer::sum);
        }
        Map<String, Integer> listed = new TreeMap<>(yaml);
        listed.values().removeIf(n -> n == 0);
        assertThat(bound).isEqualTo(listed);
    }

    private static void assertAuthenticates(Map<String, String> client) throws Exception {
        Map<String, Object> props = new HashMap<>(client);
        try (Admin a = Admin.create(props)) {
            a.listTopics().names().get(30, TimeUnit.SECONDS);
        }
    }

    private static Path render(Path kubectl, Path root, Path out) throws Exception {
        Process p =
                new ProcessBuilder(kubectl.toString(), "kustomize", "deploy/overlays/production")
                        .directory(root.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile())
                        .start();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(out)).isZero();
        return out;
    }

    private static List<JsonNode> documents(Path yaml) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (var it =
                YAML.readerFor(JsonNode.class)
                        .<JsonNode>readValues(Files.readString(yaml, StandardCharsets.UTF_8))) {
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null) {
                    docs.add(d);
                }
            }
        }
        return docs;
    }

    private static List<JsonNode> ofKind(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    private static int brokerNodes(List<JsonNode> docs) {
        return ofKind(docs, "KafkaNodePool").stream()
                .mapToInt(p -> p.path("spec").path("replicas").asInt())
                .sum();
    }

    private static Map<String, String> kafkaConfig(List<JsonNode> docs) {
        Map<String, String> config = new TreeMap<>();
        ofKind(docs, "Kafka")
                .get(0)
                .path("spec")
                .path("kafka")
                .path("config")
                .fields()
                .forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
        return config;
    }

    /** Topic name → its KafkaTopic spec. */
    private static Map<String, JsonNode> topics(List<JsonNode> docs) {
        Map<String, JsonNode> topics = new TreeMap<>();
        for (JsonNode t : ofKind(docs, "KafkaTopic")) {
            topics.put(
                    t.path("spec")
                            .path("topicName")
                            .asText(t.path("metadata").path("name").asText()),
                    t.path("spec"));
        }
        return topics;
    }

    /** User → ACL bindings its KafkaUser lists (one per operation). */
    private static Map<String, Integer> aclCounts(List<JsonNode> docs) {
        Map<String, Integer> counts = new TreeMap<>();
        for (JsonNode u : ofKind(docs, "KafkaUser")) {
            int n = 0;
            for (JsonNode acl : u.path("spec").path("authorization").path("acls")) {
                n += acl.path("operations").size() + (acl.has("operation") ? 1 : 0);
            }
            counts.put(u.path("metadata").path("name").asText(), n);
        }
        return counts;
    }
}
