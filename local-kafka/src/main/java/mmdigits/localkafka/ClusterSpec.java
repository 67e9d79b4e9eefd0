package mmdigits.localkafka;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A local Kafka cluster as its directory keeps it, so that every node (started by {@link
 * LocalCluster} or by a script, one process each) and the setup step agree on it:
 *
 * <pre>
 * DIR/cluster.properties    cluster id, and per node its client, replication and controller ports
 * DIR/secrets/admin.jaas    the admin's SCRAM login (super user; only the setup step uses it)
 * DIR/secrets/broker.jaas   the brokers' own login (replication and controller listeners)
 * DIR/secrets/admin.properties  the admin's client settings with bootstrap.servers (Kafka's tools)
 * DIR/users/USER.jaas       the setup step's KafkaUser credentials (StrimziPlay)
 * DIR/kafka-N/              node N: server.properties, data/, kafka-N.log
 * </pre>
 *
 * Made once ({@link #init}) and read by every start afterwards, so that a node restarts on its
 * ports with its data. Uses only the JDK.
 */
public final class ClusterSpec {
    public static final String FILE = "cluster.properties";
    public static final String HOST = "127.0.0.1";

    /** The super user of the setup step (our stand-in for Strimzi's Topic and User operators). */
    public static final String ADMIN = "admin";

    /** The brokers' own principal, between brokers and towards the controllers. */
    public static final String BROKER = "broker";

    /** One KRaft node (broker and controller) and its three loopback ports. */
    public record Node(int id, int clientPort, int replicationPort, int controllerPort) {
        public String clientAddress() {
            return HOST + ":" + clientPort;
        }
    }

    private final Path dir;
    private final String clusterId;
    private final List<Node> nodes;

    private ClusterSpec(Path dir, String clusterId, List<Node> nodes) {
        this.dir = dir;
        this.clusterId = clusterId;
        this.nodes = List.copyOf(nodes);
    }

    /**
     * The cluster in {@code dir}: the one kept there, or a new one of {@code nodeCount} nodes with
     * fresh credentials, on ports from {@code basePort} (three per node: client, replication,
     * controller) or on free ports when {@code basePort} is 0.
     */
    public static ClusterSpec init(Path dir, int nodeCount, int basePort) throws IOException {
        if (Files.exists(dir.resolve(FILE))) {
            ClusterSpec kept = load(dir);
            if (kept.nodes.size() != nodeCount) {
                throw new IOException(
                        dir.resolve(FILE)
                                + " describes "
                                + kept.nodes.size()
                                + " nodes, not "
                                + nodeCount
                                + ": delete "
                                + dir
                                + " for a new cluster");
            }
            return kept;
        }
        if (nodeCount < 1) {
            throw new IllegalArgumentException("a cluster has at least one node: " + nodeCount);
        }
        ClusterSpec spec =
                new ClusterSpec(dir.toAbsolutePath(), kafkaUuid(), ports(nodeCount, basePort));
        Credential.random(ADMIN).write(spec.secretsDir());
        Credential.random(BROKER).write(spec.secretsDir());
        spec.save();
        spec.writeAdminProperties();
        return spec;
    }

    /** The cluster kept in {@code dir}. */
    public static ClusterSpec load(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        List<Node> nodes = new ArrayList<>();
        for (String id : p.getProperty("nodes", "").split(",")) {
            nodes.add(node(p, Integer.parseInt(id.trim()), file));
        }
        return new ClusterSpec(dir.toAbsolutePath(), p.getProperty("cluster.id"), nodes);
    }

    private static Node node(Properties p, int id, Path file) throws IOException {
        String prefix = "node." + id + ".";
        try {
            return new Node(
                    id,
                    Integer.parseInt(p.getProperty(prefix + "client.port")),
                    Integer.parseInt(p.getProperty(prefix + "replication.port")),
                    Integer.parseInt(p.getProperty(prefix + "controller.port")));
        } catch (NumberFormatException e) {
            throw new IOException(file + ": node " + id + " lacks a port: " + e.getMessage());
        }
    }

    private static List<Node> ports(int nodeCount, int basePort) throws IOException {
        List<Node> nodes = new ArrayList<>();
        for (int id = 1; id <= nodeCount; id++) {
            int p = basePort + 3 * (id - 1);
            nodes.add(
                    basePort == 0
                            ? new Node(
                                    id,
                                    BrokerProcess.freePort(),
                                    BrokerProcess.freePort(),
                                    BrokerProcess.freePort())
                            : new Node(id, p, p + 1, p + 2));
        }
        return nodes;
    }

    /**
     * A cluster id as Kafka makes them: a random UUID in URL-safe base64, without padding, not
     * starting with "-" (command lines would read it as an option).
     */
    private static String kafkaUuid() {
        String id;
        do {
            id = base64(UUID.randomUUID());
        } while (id.startsWith("-"));
        return id;
    }

    private static String base64(UUID u) {
        byte[] bytes = new byte[16];
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) (u.getMostSignificantBits() >>> (56 - 8 * i));
            bytes[8 + i] = (byte) (u.getLeastSignificantBits() >>> (56 - 8 * i));
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private void save() throws IOException {
        Properties p = new Properties();
        p.setProperty("cluster.id", clusterId);
        p.setProperty(
                "nodes",
                nodes.stream().map(n -> Integer.toString(n.id())).collect(Collectors.joining(",")));
        for (Node n : nodes) {
            String prefix = "node." + n.id() + ".";
            p.setProperty(prefix + "client.port", Integer.toString(n.clientPort()));
            p.setProperty(prefix + "replication.port", Integer.toString(n.replicationPort()));
            p.setProperty(prefix + "controller.port", Integer.toString(n.controllerPort()));
        }
        Files.createDirectories(dir);
        try (Writer w = Files.newBufferedWriter(dir.resolve(FILE), StandardCharsets.UTF_8)) {
            p.store(
                    w,
                    "a local Kafka cluster (mmdigits.localkafka.ClusterSpec): kept across restarts");
        }
    }

    /** For Kafka's command line tools ({@code --command-config}) and other clients. */
    private void writeAdminProperties() throws IOException {
        Properties p = new Properties();
        p.putAll(adminProperties());
        Path file = secretsDir().resolve("admin.properties");
        Files.deleteIfExists(file);
        Files.createFile(file, Credential.OWNER_ONLY_FILE);
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(w, "the admin's client settings: the setup step's super user");
        }
    }

    public Path dir() {
        return dir;
    }

    public String clusterId() {
        return clusterId;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public Node node(int id) {
        return nodes.stream()
                .filter(n -> n.id() == id)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + id + " in " + dir));
    }

    /** Every node's client listener: {@code 127.0.0.1:p1,127.0.0.1:p2,...}. */
    public String bootstrapServers() {
        return nodes.stream().map(Node::clientAddress).collect(Collectors.joining(","));
    }

    /** The static KRaft quorum: {@code 1@127.0.0.1:c1,2@127.0.0.1:c2,...}. */
    public String quorumVoters() {
        return nodes.stream()
                .map(n -> n.id() + "@" + HOST + ":" + n.controllerPort())
                .collect(Collectors.joining(","));
    }

    /** The admin's and the brokers' logins: owner-only. */
    public Path secretsDir() {
        return dir.resolve("secrets");
    }

    /** Where the setup step writes a {@code <user>.jaas} per KafkaUser. */
    public Path credentialsDir() {
        return dir.resolve("users");
    }

    public Path nodeDir(int id) {
        return dir.resolve("kafka-" + node(id).id());
    }

    public Credential admin() throws IOException {
        return Credential.read(secretsDir(), ADMIN);
    }

    public Credential broker() throws IOException {
        return Credential.read(secretsDir(), BROKER);
    }

    /** The admin's client settings, {@code bootstrap.servers} included. */
    public Map<String, String> adminProperties() throws IOException {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", bootstrapServers());
        p.putAll(admin().clientProperties());
        return p;
    }
}
