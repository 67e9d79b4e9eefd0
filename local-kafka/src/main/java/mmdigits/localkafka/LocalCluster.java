package mmdigits.localkafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A local Kafka cluster of N KRaft nodes (broker and controller each), one child JVM per node on
 * loopback ports, SASL/SCRAM and the StandardAuthorizer ({@link ClusterSecurity}); the directory
 * layout is {@link ClusterSpec}'s. Nodes can be SIGKILLed, stopped and started again on their ports
 * with their data. The setup step ({@link StrimziPlay}) and the leader query ({@link Leaders}) run
 * in child JVMs too: this class uses only the JDK, like {@link BrokerProcess}.
 *
 * <pre>
 * try (LocalCluster cluster = LocalCluster.builder(dir).nodes(3).strimzi(rendered).start()) {
 *     cluster.apply(rendered);                           // KafkaTopics, KafkaUsers, ACLs
 *     cluster.clientProperties("mmdigits-ingest");       // bootstrap + that user's SASL settings
 *     cluster.kill(cluster.leaderOfMost("digits.samples.test"));
 * }
 * </pre>
 *
 * For scripts, which start each node themselves ({@code LocalKafka --cluster DIR --node-id N}):
 *
 * <pre>
 * java -cp local-kafka/target/classes mmdigits.localkafka.LocalCluster init --dir DIR [--nodes 3]
 *      [--base-port P]     # makes (or keeps) DIR/cluster.properties and secrets; prints the bootstrap
 * java -cp local-kafka/target/classes mmdigits.localkafka.LocalCluster bootstrap --dir DIR
 * </pre>
 */
public final class LocalCluster implements AutoCloseable {
    /** slf4j-simple's switch for the authorizer's audit log: every allowed operation at DEBUG. */
    public static final String AUDIT_LOG_DEBUG =
            "-Dorg.slf4j.simpleLogger.log.kafka.authorizer.logger=debug";

    private static final long TOOL_TIMEOUT_SECONDS = 180;

    private final ClusterSpec spec;
    private final List<String> nodeArgs;
    private final List<String> jvmOptions;
    private final Map<Integer, ClusterNode> running = new TreeMap<>();

    private LocalCluster(ClusterSpec spec, List<String> nodeArgs, List<String> jvmOptions) {
        this.spec = spec;
        this.nodeArgs = List.copyOf(nodeArgs);
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** How to start a cluster; {@link #start} makes it (or reuses the one in the directory). */
    public static final class Builder {
        private final Path dir;
        private int nodes = 3;
        private int basePort;
        private Path strimzi;
        private boolean auditLog;
        private final Map<String, String> settings = new LinkedHashMap<>();

        private Builder(Path dir) {
            this.dir = dir.toAbsolutePath();
        }

        public Builder nodes(int count) {
            this.nodes = count;
            return this;
        }

        /** Ports from {@code port} on, three per node; free ports when not set. */
        public Builder basePort(int port) {
            this.basePort = port;
            return this;
        }

        /** The rendered deploy YAML whose {@code Kafka} resource gives the broker settings. */
        public Builder strimzi(Path renderedYaml) {
            this.strimzi = renderedYaml.toAbsolutePath();
            return this;
        }

        /** The authorizer's audit log at DEBUG in each node's log: every ACL match, one line. */
        public Builder auditLog(boolean on) {
            this.auditLog = on;
            return this;
        }

        /** A broker setting over everything else ({@code LocalKafka --set}). */
        public Builder set(String key, String value) {
            settings.put(key, value);
            return this;
        }

        /** Starts every node and waits until all serve (which needs a quorum leader). */
        public LocalCluster start() throws IOException, InterruptedException, TimeoutException {
            ClusterSpec spec = ClusterSpec.init(dir, nodes, basePort);
            List<String> args = new ArrayList<>();
            if (strimzi != null) {
                args.addAll(List.of("--strimzi", strimzi.toString()));
            }
            settings.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
            LocalCluster cluster =
                    new LocalCluster(spec, args, auditLog ? List.of(AUDIT_LOG_DEBUG) : List.of());
            cluster.startAll();
            return cluster;
        }
    }

    private void startAll() throws IOException, InterruptedException, TimeoutException {
        Map<Integer, BrokerProcess.Spawned> spawned = new TreeMap<>();
        try {
            for (ClusterSpec.Node n : spec.nodes()) {
                spawned.put(n.id(), spawn(n.id()));
            }
            // all at once: no node serves before a majority of controllers has elected a leader
            for (ClusterSpec.Node n : spec.nodes()) {
                awaitReady(n.id(), spawned.get(n.id()));
            }
        } catch (IOException | TimeoutException | InterruptedException | RuntimeException e) {
            spawned.values().forEach(s -> s.process().destroyForcibly());
            close();
            throw e;
        }
    }

    private BrokerProcess.Spawned spawn(int id) throws IOException {
        Path dir = spec.nodeDir(id);
        Files.createDirectories(dir);
        Path log = log(id);
        Files.writeString(
                log,
                "---- node " + id + " started " + Instant.now() + "\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        List<String> args = new ArrayList<>();
        args.addAll(
                List.of(
                        "--cluster",
                        spec.dir().toString(),
                        "--node-id",
                        Integer.toString(id),
                        "--dir",
                        dir.toString()));
        args.addAll(nodeArgs);
        return BrokerProcess.spawn(jvmOptions, args, log, true);
    }

    private void awaitReady(int id, BrokerProcess.Spawned s)
            throws IOException, InterruptedException, TimeoutException {
        s.await(log(id), BrokerProcess.READY_TIMEOUT_SECONDS);
        synchronized (running) {
            running.put(id, new ClusterNode(s.process(), log(id), spec.node(id), spec.nodeDir(id)));
        }
    }

    /** Node {@code id}'s log: every start of the node appends to it. */
    public Path log(int id) {
        return spec.nodeDir(id).resolve("kafka-" + id + ".log");
    }

    public ClusterSpec spec() {
        return spec;
    }

    /** Every node's client listener. */
    public String bootstrapServers() {
        return spec.bootstrapServers();
    }

    /** The admin's client settings (bootstrap included): the super user of the setup step. */
    public Map<String, String> adminProperties() throws IOException {
        return spec.adminProperties();
    }

    /** A {@code KafkaUser}'s client settings (bootstrap included), from its credential file. */
    public Map<String, String> clientProperties(String user) throws IOException {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", bootstrapServers());
        p.putAll(Credential.read(credentialsDir(), user).clientProperties());
        return p;
    }

    /** Where the setup step writes {@code <user>.jaas} per KafkaUser. */
    public Path credentialsDir() {
        return spec.credentialsDir();
    }

    public List<Integer> nodeIds() {
        return spec.nodes().stream().map(ClusterSpec.Node::id).toList();
    }

    /** The running node {@code id}. */
    public ClusterNode node(int id) {
        synchronized (running) {
            ClusterNode n = running.get(id);
            if (n == null || !n.isAlive()) {
                throw new IllegalStateException("node " + id + " is not running");
            }
            return n;
        }
    }

    /** SIGKILL: node {@code id} dies as in a crash; its data stays. */
    public void kill(int id) throws InterruptedException {
        node(id).kill();
    }

    /** SIGTERM: node {@code id} shuts down cleanly (SIGKILL after 30 s). */
    public void stop(int id) {
        node(id).close();
    }

    /** Starts the stopped or killed node {@code id} again, on its ports with its data. */
    public ClusterNode start(int id) throws IOException, InterruptedException, TimeoutException {
        synchronized (running) {
            ClusterNode n = running.get(id);
            if (n != null && n.isAlive()) {
                throw new IllegalStateException("node " + id + " is running (pid " + n.pid() + ")");
            }
        }
        awaitReady(id, spawn(id));
        return node(id);
    }

    /** Stops node {@code id} (SIGTERM) and starts it again. */
    public ClusterNode restart(int id) throws IOException, InterruptedException, TimeoutException {
        stop(id);
        return start(id);
    }

    /**
     * Runs the setup step ({@link StrimziPlay} {@code apply}) on {@code renderedYaml} as the admin;
     * returns its output lines (also appended to {@code DIR/strimzi-play.log}).
     */
    public List<String> apply(Path renderedYaml) throws IOException, InterruptedException {
        return runTool(
                StrimziPlay.class.getName(),
                List.of(
                        "apply",
                        "--cluster",
                        spec.dir().toString(),
                        "--yaml",
                        renderedYaml.toAbsolutePath().toString()),
                spec.dir().resolve("strimzi-play.log"));
    }

    /**
     * The id of the node that leads the most partitions of {@code topic} (callers with Kafka's
     * client classes can ask {@link Leaders} directly).
     */
    public int leaderOfMost(String topic) throws IOException, InterruptedException {
        List<String> out =
                runTool(
                        Leaders.class.getName(),
                        List.of("--cluster", spec.dir().toString(), "--topic", topic),
                        spec.dir().resolve("leaders.log"));
        return Integer.parseInt(out.get(out.size() - 1).trim());
    }

    /** Runs a main class on the broker's classpath; its output, or an exception with it. */
    private static List<String> runTool(String mainClass, List<String> args, Path log)
            throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                java,
                                "-Xmx256m",
                                "-XX:+UseSerialGC",
                                "-XX:TieredStopAtLevel=1",
                                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                                "-cp",
                                BrokerProcess.classpath(),
                                mainClass));
        cmd.addAll(args);
        Path out = Files.createTempFile("local-cluster-tool", ".log");
        Process p =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile())
                        .start();
        if (!p.waitFor(TOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        Files.delete(out);
        Files.writeString(
                log,
                text,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        if (p.isAlive() || p.exitValue() != 0) {
            throw new IOException(mainClass + " " + String.join(" ", args) + " failed:\n" + text);
        }
        return text.lines().toList();
    }

    /** Stops every node: SIGTERM to all at once, SIGKILL to those still there after 30 s. */
    @Override
    public void close() {
        List<ClusterNode> nodes;
        synchronized (running) {
            nodes = new ArrayList<>(running.values());
        }
        nodes.forEach(n -> n.process().destroy());
        nodes.forEach(ClusterNode::close);
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3 || !args[1].equals("--dir") || args.length % 2 == 0) {
            usage();
        }
        Path dir = Path.of(args[2]);
        switch (args[0]) {
            case "init" -> {
                int nodes = 3;
                int basePort = 0;
                for (int i = 3; i + 1 < args.length; i += 2) {
                    switch (args[i]) {
                        case "--nodes" -> nodes = Integer.parseInt(args[i + 1]);
                        case "--base-port" -> basePort = Integer.parseInt(args[i + 1]);
                        default -> usage();
                    }
                }
                System.out.println(ClusterSpec.init(dir, nodes, basePort).bootstrapServers());
            }
            case "bootstrap" -> System.out.println(ClusterSpec.load(dir).bootstrapServers());
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println(
                "usage: LocalCluster init --dir DIR [--nodes 3] [--base-port P]"
                        + " | LocalCluster bootstrap --dir DIR");
        System.exit(2);
    }
}
