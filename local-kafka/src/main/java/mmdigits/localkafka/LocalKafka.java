package mmdigits.localkafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real Kafka node (KRaft: broker and controller in one process), from the Maven Central
 * artifacts: a single-node broker without security, or one node of a local cluster. Formats its
 * storage directory on first start and reuses it afterwards; stops cleanly on SIGTERM / Ctrl-C.
 * Prints {@value #READY} with its bootstrap address once it serves.
 *
 * <pre>
 * java -cp ... mmdigits.localkafka.LocalKafka [--dir run/kafka] [--port 9092] [--controller-port 9093]
 *      [--host 127.0.0.1] [--set key=value ...]
 * java -cp ... mmdigits.localkafka.LocalKafka --cluster DIR --node-id N [--dir DIR/kafka-N]
 *      [--strimzi rendered.yaml] [--config broker.properties] [--set key=value ...] [--print-config]
 * java -cp ... mmdigits.localkafka.LocalKafka --from-env
 * </pre>
 *
 * With {@code --cluster} the node is node {@code N} of the cluster that {@link ClusterSpec} keeps
 * in {@code DIR} (made by {@code LocalCluster init}): SASL/SCRAM and the StandardAuthorizer ({@link
 * ClusterSecurity}), the broker settings of the {@code Kafka} resource in {@code --strimzi} (the
 * output of {@code kubectl kustomize}, {@link StrimziResources}) over the single-node defaults,
 * then those of {@code --config}, then {@code --set}. {@code --print-config} prints the merged
 * configuration (passwords hidden) and exits.
 *
 * <p>With {@code --from-env} the whole configuration comes from the {@code KAFKA_*} environment as
 * the {@code apache/kafka} image reads it ({@link KafkaEnv}), the storage in {@code log.dirs}
 * formatted with {@code CLUSTER_ID}: the docker compose test's stand-in for that image.
 */
public final class LocalKafka {
    public static final String READY = "LOCAL-KAFKA READY bootstrap=";

    private LocalKafka() {}

    /** The broker configuration for a single node on {@code host}. */
    public static Map<String, String> config(Path dir, String host, int port, int controllerPort) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("process.roles", "broker,controller");
        c.put("node.id", "1");
        c.put("controller.quorum.voters", "1@" + host + ":" + controllerPort);
        c.put(
                "listeners",
                "PLAINTEXT://"
                        + host
                        + ":"
                        + port
                        + ",CONTROLLER://"
                        + host
                        + ":"
                        + controllerPort);
        c.put("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
        c.put("controller.listener.names", "CONTROLLER");
        c.put("inter.broker.listener.name", "PLAINTEXT");
        c.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        c.putAll(defaults(dir));
        return c;
    }

    /**
     * Node {@code nodeId} of the cluster {@code spec}: broker and controller, SASL on every
     * listener ({@link ClusterSecurity}), the single-node defaults overridden by {@code settings}
     * (the {@code Kafka} resource's {@code spec.kafka.config}, {@link StrimziResources}).
     */
    public static Map<String, String> clusterConfig(
            ClusterSpec spec,
            int nodeId,
            Path dir,
            Map<String, String> settings,
            List<String> superUsers,
            Credential broker) {
        ClusterSpec.Node n = spec.node(nodeId);
        String h = ClusterSpec.HOST;
        Map<String, String> c = new LinkedHashMap<>();
        c.put("process.roles", "broker,controller");
        c.put("node.id", Integer.toString(n.id()));
        c.put("controller.quorum.voters", spec.quorumVoters());
        String client = ClusterSecurity.CLIENT + "://" + h + ":" + n.clientPort();
        String replication = ClusterSecurity.REPLICATION + "://" + h + ":" + n.replicationPort();
        c.put(
                "listeners",
                client
                        + ","
                        + replication
                        + ","
                        + ClusterSecurity.CONTROLLER
                        + "://"
                        + h
                        + ":"
                        + n.controllerPort());
        c.put("advertised.listeners", client + "," + replication);
        c.putAll(defaults(dir));
        c.putAll(settings);
        // last: what the Kafka resource may not change (Strimzi owns these settings too)
        c.putAll(ClusterSecurity.config(broker, superUsers));
        return c;
    }

    /** What a node runs with unless told otherwise: tuned for one machine. */
    private static Map<String, String> defaults(Path dir) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("log.dirs", dir.toAbsolutePath().resolve("data").toString());
        // single node: every internal topic has one replica
        c.put("offsets.topic.replication.factor", "1");
        c.put("offsets.topic.num.partitions", "8");
        c.put("transaction.state.log.replication.factor", "1");
        c.put("transaction.state.log.min.isr", "1");
        c.put("transaction.state.log.num.partitions", "8");
        c.put("share.coordinator.state.topic.replication.factor", "1");
        c.put("share.coordinator.state.topic.min.isr", "1");
        c.put("min.insync.replicas", "1");
        // topics are created explicitly by the services, with their partitions and configs
        c.put("auto.create.topics.enable", "false");
        c.put("num.partitions", "1");
        // a model release is a few MB
        c.put("message.max.bytes", Integer.toString(64 * 1024 * 1024));
        c.put("replica.fetch.max.bytes", Integer.toString(64 * 1024 * 1024));
        c.put("group.initial.rebalance.delay.ms", "0");
        c.put("transaction.max.timeout.ms", "900000");
        // committed offsets (the inference service's scoring progress is in their metadata) outlive
        // a long pause of the
        // services: a year instead of the default 7 days (the same value as
        // Topics.OFFSETS_RETENTION_MINUTES)
        c.put("offsets.retention.minutes", "525600");
        return c;
    }

    /** The command line of a single node or of a cluster node. */
    private static final class Options {
        Path dir;
        String host = "127.0.0.1";
        int port = 9092;
        int controllerPort = 9093;
        Path cluster;
        int nodeId;
        Path strimzi;
        Path configFile;
        boolean printConfig;
        final Map<String, String> overrides = new LinkedHashMap<>();
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--from-env")) {
            runFromEnvironment(System.getenv());
            return;
        }
        Options o = parse(args);
        if (o == null) {
            return;
        }
        if (o.cluster != null) {
            runClusterNode(o);
        } else {
            runSingleNode(o);
        }
    }

    private static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--print-config")) {
                o.printConfig = true;
                continue;
            }
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--dir" -> o.dir = Path.of(require(a, v));
                case "--host" -> o.host = require(a, v);
                case "--port" -> o.port = Integer.parseInt(require(a, v));
                case "--controller-port" -> o.controllerPort = Integer.parseInt(require(a, v));
                case "--cluster" -> o.cluster = Path.of(require(a, v));
                case "--node-id" -> o.nodeId = Integer.parseInt(require(a, v));
                case "--strimzi" -> o.strimzi = Path.of(require(a, v));
                case "--config" -> o.configFile = Path.of(require(a, v));
                case "--set" -> {
                    String kv = require(a, v);
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        usage("--set takes key=value, got " + kv);
                    }
                    o.overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                case "-h", "--help" -> {
                    usage(null);
                    return null;
                }
                default -> usage("unknown option " + a);
            }
            i++;
        }
        if (o.cluster == null && (o.nodeId != 0 || o.strimzi != null || o.printConfig)) {
            usage("--node-id, --strimzi and --print-config need --cluster");
        }
        if (o.cluster != null && o.nodeId == 0) {
            usage("--cluster needs --node-id");
        }
        return o;
    }

    private static void runSingleNode(Options o) throws Exception {
        Path dir = o.dir == null ? Path.of("run/kafka") : o.dir;
        Files.createDirectories(dir);
        Map<String, String> config = config(dir, o.host, o.port, o.controllerPort);
        config.putAll(o.overrides);
        Properties props = properties(config);
        Path propsFile = write(props, dir.resolve("server.properties"));
        format(dir.resolve("data"), propsFile, clusterId(dir), List.of());
        serve(props, o.host + ":" + o.port + " dir=" + dir.toAbsolutePath());
    }

    /**
     * Node {@code --node-id} of the cluster in {@code --cluster} ({@link ClusterSpec}): its storage
     * formatted on first start with the cluster id and the admin's and brokers' SCRAM credentials,
     * kept on later starts.
     */
    private static void runClusterNode(Options o) throws Exception {
        ClusterSpec spec = ClusterSpec.load(o.cluster);
        Path dir = o.dir == null ? spec.nodeDir(o.nodeId) : o.dir.toAbsolutePath();
        Map<String, String> settings = new LinkedHashMap<>();
        List<String> superUsers = List.of();
        if (o.strimzi != null) {
            StrimziResources deploy = StrimziResources.read(o.strimzi);
            deploy.notes().forEach(n -> System.out.println("local-kafka: " + n));
            settings.putAll(deploy.brokerConfig());
            superUsers = deploy.superUsers();
        }
        if (o.configFile != null) {
            settings.putAll(read(o.configFile));
        }
        Credential broker = spec.broker();
        Map<String, String> config =
                clusterConfig(spec, o.nodeId, dir, settings, superUsers, broker);
        config.putAll(o.overrides);
        if (o.printConfig) {
            config.forEach((k, v) -> System.out.println(k + "=" + hidePasswords(v)));
            return;
        }
        Credential.ownerOnlyDirectory(dir);
        Properties props = properties(config);
        Path propsFile = writeOwnerOnly(props, dir.resolve("server.properties"));
        format(
                dir.resolve("data"),
                propsFile,
                spec.clusterId(),
                ClusterSecurity.formatArgs(spec.admin(), broker));
        ClusterSpec.Node n = spec.node(o.nodeId);
        serve(props, n.clientAddress() + " node=" + n.id() + " dir=" + dir);
    }

    private static String hidePasswords(String value) {
        return value.replaceAll("password=\"[^\"]*\"", "password=\"(hidden)\"")
                .replaceAll("(user_[A-Za-z0-9._-]+)=\"[^\"]*\"", "$1=\"(hidden)\"");
    }

    private static Map<String, String> read(Path propsFile) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(propsFile, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> m = new LinkedHashMap<>();
        p.stringPropertyNames().stream().sorted().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }

    /**
     * The broker configured by the {@code KAFKA_*} environment, storage formatted on first start
     * with {@code CLUSTER_ID}.
     */
    static void runFromEnvironment(Map<String, String> env) throws Exception {
        Map<String, String> config = KafkaEnv.properties(env);
        String logDirs = config.get("log.dirs");
        if (logDirs == null || logDirs.isBlank()) {
            usage("--from-env needs KAFKA_LOG_DIRS (the storage directory)");
        }
        Path logDir = Path.of(logDirs.split(",")[0].trim());
        Files.createDirectories(logDir);
        Properties props = properties(config);
        format(
                logDir,
                write(props, Files.createTempFile("server", ".properties")),
                KafkaEnv.clusterId(env),
                List.of());
        serve(props, config.getOrDefault("advertised.listeners", config.get("listeners")));
    }

    private static Properties properties(Map<String, String> config) {
        Properties props = new Properties();
        props.putAll(config);
        return props;
    }

    /** The configuration as a file, for the storage tool (and to read after a run). */
    private static Path write(Properties props, Path propsFile) throws IOException {
        try (Writer w = Files.newBufferedWriter(propsFile, StandardCharsets.UTF_8)) {
            props.store(w, "written by mmdigits.localkafka.LocalKafka on every start");
        }
        return propsFile;
    }

    /** The configuration of a cluster node holds the brokers' password: owner-only. */
    private static Path writeOwnerOnly(Properties props, Path propsFile) throws IOException {
        Files.deleteIfExists(propsFile);
        Files.createFile(propsFile, Credential.OWNER_ONLY_FILE);
        return write(props, propsFile);
    }

    private static void serve(Properties props, String bootstrap) throws Exception {
        KafkaRaftServer server =
                new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    System.out.println("local-kafka: shutting down");
                                    server.shutdown();
                                    server.awaitShutdown();
                                    stopped.countDown();
                                    System.out.println("local-kafka: stopped");
                                },
                                "local-kafka-shutdown"));
        server.startup();
        System.out.println(READY + bootstrap);
        System.out.flush();
        server.awaitShutdown();
        stopped.await();
    }

    /** The cluster id kept in {@code dir/cluster.id}, made on first use. */
    private static String clusterId(Path dir) throws IOException {
        Path clusterIdFile = dir.resolve("cluster.id");
        if (Files.exists(clusterIdFile)) {
            return Files.readString(clusterIdFile).trim();
        }
        String clusterId = Uuid.randomUuid().toString();
        Files.writeString(clusterIdFile, clusterId + "\n");
        return clusterId;
    }

    /**
     * Formats the storage directory on first use, with the storage tool's {@code extraArgs} (e.g.
     * {@code --add-scram}); an existing one (a restart) keeps its data.
     */
    static void format(Path logDir, Path propsFile, String clusterId, List<String> extraArgs)
            throws IOException {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        List<String> args =
                new ArrayList<>(List.of("format", "-t", clusterId, "-c", propsFile.toString()));
        args.addAll(extraArgs);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc =
                StorageTool.execute(
                        args.toArray(String[]::new),
                        new PrintStream(out, true, StandardCharsets.UTF_8));
        if (rc != 0) {
            throw new IOException(
                    "formatting "
                            + logDir
                            + " failed ("
                            + rc
                            + "): "
                            + out.toString(StandardCharsets.UTF_8));
        }
    }

    private static String require(String option, String value) {
        if (value == null) {
            usage(option + " needs a value");
        }
        return value;
    }

    private static void usage(String error) {
        if (error != null) {
            System.err.println("local-kafka: " + error);
        }
        System.err.println(
                "usage: LocalKafka [--dir run/kafka] [--host 127.0.0.1] [--port 9092] [--controller-port 9093]"
                        + " [--set key=value ...]\n"
                        + "     | LocalKafka --cluster DIR --node-id N [--dir DIR/kafka-N] [--strimzi rendered.yaml]"
                        + " [--config broker.properties] [--set key=value ...] [--print-config]\n"
                        + "     | LocalKafka --from-env");
        if (error != null) {
            System.exit(2);
        }
    }
}
