package mmdigits.localkafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.StreamSupport;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The Strimzi custom resources of a rendered deploy tree (the multi-document output of {@code
 * kubectl kustomize deploy/overlays/production}), read as Strimzi's operators read them: the {@code
 * Kafka}'s broker settings and super users, every {@code KafkaTopic} and every {@code KafkaUser}
 * with its ACLs. Topics and users labelled {@code strimzi.io/cluster} for another cluster than the
 * {@code Kafka}'s are left alone, as the operators' label selector does.
 */
public final class StrimziResources {
    static final String API_GROUP = "kafka.strimzi.io/";
    static final String CLUSTER_LABEL = "strimzi.io/cluster";

    /** Strimzi's name for the cluster resource in a {@code KafkaUser} ACL. */
    static final String CLUSTER_RESOURCE_NAME = "kafka-cluster";

    /**
     * Broker settings a {@code Kafka} resource may not set (Strimzi's forbidden prefixes, those
     * that apply without ZooKeeper): the operator owns listeners, security, identity and storage.
     * The local cluster owns the same ones ({@link ClusterSecurity}, {@link ClusterSpec}).
     */
    private static final List<String> FORBIDDEN_PREFIXES =
            List.of(
                    "listeners",
                    "advertised.",
                    "broker.",
                    "listener.",
                    "host.name",
                    "port",
                    "inter.broker.listener.name",
                    "sasl.",
                    "ssl.",
                    "security.",
                    "password.",
                    "log.dir",
                    "authorizer.",
                    "super.user",
                    "node.id",
                    "process.roles",
                    "controller.",
                    "metadata.log.dir",
                    // not forbidden by Strimzi, but authorisation without ACLs is what we test
                    "allow.everyone.if.no.acl.found");

    private static final List<String> FORBIDDEN_EXCEPTIONS =
            List.of(
                    "controller.quorum.election.backoff.max.ms",
                    "controller.quorum.election.timeout.ms",
                    "controller.quorum.fetch.timeout.ms",
                    "sasl.server.max.receive.size");

    /** A {@code KafkaTopic}: partitions and replicas unset mean the broker's defaults. */
    public record Topic(
            String name,
            Optional<Integer> partitions,
            Optional<Short> replicas,
            Map<String, String> config) {}

    /** A {@code KafkaUser}: a SCRAM-SHA-512 credential or none, and its ACLs. */
    public record User(String name, boolean scram, List<AclBinding> acls) {
        public String principal() {
            return "User:" + name;
        }
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final JsonNode kafka;
    private final String cluster;
    private final List<JsonNode> resources;
    private final List<String> notes = new ArrayList<>();
    private final Map<String, String> brokerConfig;
    private final List<Topic> topics;
    private final List<User> users;
    private final OptionalInt brokerNodes;

    private StrimziResources(List<JsonNode> resources) {
        List<JsonNode> kafkas = ofKind(resources, "Kafka");
        if (kafkas.size() > 1) {
            throw new IllegalArgumentException(
                    "the deploy YAML holds "
                            + kafkas.size()
                            + " Kafka resources; the local cluster plays one");
        }
        this.kafka = kafkas.isEmpty() ? MissingNode.getInstance() : kafkas.get(0);
        this.cluster = kafkas.isEmpty() ? null : kafka.path("metadata").path("name").asText();
        this.resources = resources;
        this.brokerConfig = readBrokerConfig();
        this.topics =
                ofKind(resources, "KafkaTopic").stream()
                        .filter(this::ofThisCluster)
                        .map(StrimziResources::topic)
                        .toList();
        this.users =
                ofKind(resources, "KafkaUser").stream()
                        .filter(this::ofThisCluster)
                        .map(StrimziResources::user)
                        .toList();
        this.brokerNodes = countBrokerNodes();
    }

    /** The resources of a YAML file, or of standard input for {@code -}. */
    public static StrimziResources read(Path yaml) throws IOException {
        byte[] bytes =
                yaml.toString().equals("-") ? System.in.readAllBytes() : Files.readAllBytes(yaml);
        return parse(new String(bytes, StandardCharsets.UTF_8));
    }

    /** The {@code kafka.strimzi.io} resources of a multi-document YAML text. */
    public static StrimziResources parse(String yaml) {
        try (var docs = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
            List<JsonNode> strimzi = new ArrayList<>();
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc != null && doc.path("apiVersion").asText().startsWith(API_GROUP)) {
                    strimzi.add(doc);
                }
            }
            return new StrimziResources(strimzi);
        } catch (IOException e) {
            throw new UncheckedIOException("the deploy YAML does not parse: " + e.getMessage(), e);
        }
    }

    private static List<JsonNode> ofKind(List<JsonNode> resources, String kind) {
        return resources.stream().filter(r -> r.path("kind").asText().equals(kind)).toList();
    }

    /** What was left out, and why (a forbidden setting, another cluster's topic). */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /**
     * The {@code Kafka} resource's {@code spec.kafka.config}, without the settings Strimzi forbids
     * there; empty without a {@code Kafka} resource.
     */
    public Map<String, String> brokerConfig() {
        return brokerConfig;
    }

    private Map<String, String> readBrokerConfig() {
        requireSimpleAuthorization();
        Map<String, String> config = new LinkedHashMap<>();
        kafka.path("spec")
                .path("kafka")
                .path("config")
                .fields()
                .forEachRemaining(
                        e -> {
                            if (forbidden(e.getKey())) {
                                notes.add(
                                        "Kafka "
                                                + cluster
                                                + ": "
                                                + e.getKey()
                                                + " is left out (the operator owns it)");
                            } else {
                                config.put(e.getKey(), text(e.getValue()));
                            }
                        });
        return config;
    }

    private static boolean forbidden(String key) {
        return FORBIDDEN_PREFIXES.stream().anyMatch(key::startsWith)
                && !FORBIDDEN_EXCEPTIONS.contains(key);
    }

    /** The {@code Kafka}'s {@code authorization.superUsers}, as principals. */
    public List<String> superUsers() {
        return StreamSupport.stream(
                        kafka.path("spec")
                                .path("kafka")
                                .path("authorization")
                                .path("superUsers")
                                .spliterator(),
                        false)
                .map(JsonNode::asText)
                .map(u -> u.startsWith("User:") ? u : "User:" + u)
                .toList();
    }

    private void requireSimpleAuthorization() {
        if (kafka.isMissingNode()) {
            return;
        }
        String type = kafka.path("spec").path("kafka").path("authorization").path("type").asText();
        if (!type.equals("simple")) {
            throw new IllegalArgumentException(
                    "Kafka "
                            + cluster
                            + ": spec.kafka.authorization.type is '"
                            + type
                            + "'; the local cluster plays simple authorization (StandardAuthorizer)"
                            + " only");
        }
    }

    /**
     * The broker nodes of the {@code Kafka}'s node pools ({@code KafkaNodePool} replicas with the
     * broker role), when there are node pools.
     */
    public OptionalInt brokerNodes() {
        return brokerNodes;
    }

    private OptionalInt countBrokerNodes() {
        List<JsonNode> pools =
                ofKind(resources, "KafkaNodePool").stream()
                        .filter(this::ofThisCluster)
                        .filter(p -> contains(p.path("spec").path("roles"), "broker"))
                        .toList();
        return pools.isEmpty()
                ? OptionalInt.empty()
                : OptionalInt.of(
                        pools.stream()
                                .mapToInt(p -> p.path("spec").path("replicas").asInt())
                                .sum());
    }

    private static boolean contains(JsonNode array, String value) {
        return StreamSupport.stream(array.spliterator(), false)
                .anyMatch(v -> v.asText().equals(value));
    }

    /** Every {@code KafkaTopic} of the cluster: {@code spec.topicName} or its own name. */
    public List<Topic> topics() {
        return topics;
    }

    private static Topic topic(JsonNode r) {
        JsonNode spec = r.path("spec");
        String name = spec.path("topicName").asText(r.path("metadata").path("name").asText());
        Map<String, String> config = new LinkedHashMap<>();
        spec.path("config")
                .fields()
                .forEachRemaining(e -> config.put(e.getKey(), text(e.getValue())));
        return new Topic(
                name,
                spec.has("partitions")
                        ? Optional.of(spec.path("partitions").asInt())
                        : Optional.empty(),
                spec.has("replicas")
                        ? Optional.of((short) spec.path("replicas").asInt())
                        : Optional.empty(),
                config);
    }

    /** Every {@code KafkaUser} of the cluster, with its ACLs (one binding per operation). */
    public List<User> users() {
        return users;
    }

    private static User user(JsonNode r) {
        String name = r.path("metadata").path("name").asText();
        JsonNode spec = r.path("spec");
        String authentication = spec.path("authentication").path("type").asText("");
        if (!authentication.isEmpty() && !authentication.equals("scram-sha-512")) {
            throw new IllegalArgumentException(
                    "KafkaUser "
                            + name
                            + ": authentication type '"
                            + authentication
                            + "' is not played locally (scram-sha-512 only)");
        }
        JsonNode authorization = spec.path("authorization");
        if (!authorization.isMissingNode()
                && !authorization.path("type").asText().equals("simple")) {
            throw new IllegalArgumentException(
                    "KafkaUser " + name + ": authorization type must be simple");
        }
        List<AclBinding> acls = new ArrayList<>();
        for (JsonNode rule : authorization.path("acls")) {
            acls.addAll(AclRules.bindings("User:" + name, rule, "KafkaUser " + name));
        }
        return new User(name, authentication.equals("scram-sha-512"), acls);
    }

    private boolean ofThisCluster(JsonNode r) {
        if (cluster == null) {
            return true;
        }
        String label = r.path("metadata").path("labels").path(CLUSTER_LABEL).asText(null);
        if (cluster.equals(label)) {
            return true;
        }
        notes.add(
                r.path("kind").asText()
                        + " "
                        + r.path("metadata").path("name").asText()
                        + " is left alone: labelled "
                        + CLUSTER_LABEL
                        + "="
                        + label
                        + ", the Kafka is "
                        + cluster);
        return false;
    }

    /** A config value as Kafka takes it: scalars as written, lists joined with commas. */
    private static String text(JsonNode v) {
        if (v.isArray()) {
            List<String> items = new ArrayList<>();
            v.forEach(i -> items.add(i.asText()));
            return String.join(",", items);
        }
        return v.asText();
    }

    /** A {@code KafkaUser}'s {@code authorization.acls} entries as Kafka ACL bindings. */
    static final class AclRules {
        private AclRules() {}

        static List<AclBinding> bindings(String principal, JsonNode rule, String where) {
            ResourcePattern pattern = pattern(rule.path("resource"), where);
            String host = rule.path("host").asText("*");
            AclPermissionType permission = permission(rule.path("type").asText("allow"), where);
            List<AclBinding> bindings = new ArrayList<>();
            for (String op : operations(rule, where)) {
                bindings.add(
                        new AclBinding(
                                pattern,
                                new AccessControlEntry(
                                        principal, host, operation(op, where), permission)));
            }
            return bindings;
        }

        private static ResourcePattern pattern(JsonNode resource, String where) {
            String type = resource.path("type").asText();
            ResourceType resourceType =
                    switch (type) {
                        case "topic" -> ResourceType.TOPIC;
                        case "group" -> ResourceType.GROUP;
                        case "transactionalId" -> ResourceType.TRANSACTIONAL_ID;
                        case "cluster" -> ResourceType.CLUSTER;
                        default ->
                                throw new IllegalArgumentException(
                                        where
                                                + ": ACL resource type '"
                                                + type
                                                + "' (topic, group, transactionalId or cluster)");
                    };
            if (resourceType == ResourceType.CLUSTER) {
                return new ResourcePattern(
                        resourceType, CLUSTER_RESOURCE_NAME, PatternType.LITERAL);
            }
            String name = resource.path("name").asText("");
            if (name.isEmpty()) {
                throw new IllegalArgumentException(where + ": a " + type + " ACL without a name");
            }
            return new ResourcePattern(
                    resourceType, name, patternType(resource.path("patternType"), where));
        }

        private static PatternType patternType(JsonNode node, String where) {
            return switch (node.asText("literal")) {
                case "literal" -> PatternType.LITERAL;
                case "prefix" -> PatternType.PREFIXED;
                default ->
                        throw new IllegalArgumentException(
                                where
                                        + ": ACL patternType '"
                                        + node.asText()
                                        + "' (literal or prefix)");
            };
        }

        private static List<String> operations(JsonNode rule, String where) {
            List<String> ops = new ArrayList<>();
            rule.path("operations").forEach(o -> ops.add(o.asText()));
            // the deprecated single-operation form
            if (rule.has("operation")) {
                ops.add(rule.path("operation").asText());
            }
            if (ops.isEmpty()) {
                throw new IllegalArgumentException(where + ": an ACL without operations");
            }
            return ops;
        }

        /** {@code DescribeConfigs} → {@code DESCRIBE_CONFIGS}. */
        static AclOperation operation(String strimzi, String where) {
            String constant =
                    strimzi.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
            try {
                AclOperation op = AclOperation.valueOf(constant);
                if (op != AclOperation.ANY && op != AclOperation.UNKNOWN) {
                    return op;
                }
            } catch (IllegalArgumentException e) {
                // reported below
            }
            throw new IllegalArgumentException(where + ": unknown ACL operation '" + strimzi + "'");
        }

        private static AclPermissionType permission(String type, String where) {
            return switch (type) {
                case "allow" -> AclPermissionType.ALLOW;
                case "deny" -> AclPermissionType.DENY;
                default ->
                        throw new IllegalArgumentException(
                                where + ": ACL type '" + type + "' (allow or deny)");
            };
        }
    }
}
