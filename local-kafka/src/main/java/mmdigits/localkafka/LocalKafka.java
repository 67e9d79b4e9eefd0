package mmdigits.localkafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka broker (KRaft: broker and controller in one process), from the Maven
 * Central artifacts. Formats its storage directory on first start and reuses it afterwards; stops
 * cleanly on SIGTERM / Ctrl-C. Prints {@value #READY} with the bootstrap address once it serves.
 *
 * <pre>
 * java -cp ... mmdigits.localkafka.LocalKafka [--dir run/kafka] [--port 9092] [--controller-port 9093]
 *      [--host 127.0.0.1] [--set key=value ...]
 * java -cp ... mmdigits.localkafka.LocalKafka --from-env
 * </pre>
 *
 * With {@code --from-env} the whole configuration comes from the {@code KAFKA_*} environment as the
 * {@code apache/kafka} image reads it ({@link KafkaEnv}), the storage in {@code log.dirs} formatted
 * with {@code CLUSTER_ID}: the docker compose test's stand-in for that image.
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

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("run/kafka");
        String host = "127.0.0.1";
        int port = 9092;
        int controllerPort = 9093;
        Map<String, String> overrides = new LinkedHashMap<>();
        if (args.length == 1 && args[0].equals("--from-env")) {
            runFromEnvironment(System.getenv());
            return;
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--dir" -> dir = Path.of(require(a, v));
                case "--host" -> host = require(a, v);
                case "--port" -> port = Integer.parseInt(require(a, v));
                case "--controller-port" -> controllerPort = Integer.parseInt(require(a, v));
                case "--set" -> {
                    String kv = require(a, v);
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        usage("--set takes key=value, got " + kv);
                    }
                    overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                case "-h", "--help" -> {
                    usage(null);
                    return;
                }
                default -> usage("unknown option " + a);
            }
            i++;
        }
        Files.createDirectories(dir);
        Map<String, String> config = config(dir, host, port, controllerPort);
        config.putAll(overrides);
        Properties props = properties(config);
        Path propsFile = write(props, dir.resolve("server.properties"));
        format(dir.resolve("data"), propsFile, clusterId(dir));
        serve(props, host + ":" + port + " dir=" + dir.toAbsolutePath());
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
                KafkaEnv.clusterId(env));
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

    /** Formats the storage directory on first use; an existing one (a restart) keeps its data. */
    static void format(Path logDir, Path propsFile, String clusterId) throws IOException {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc =
                StorageTool.execute(
                        new String[] {"format", "-t", clusterId, "-c", propsFile.toString()},
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
                        + " [--set key=value ...] | --from-env");
        if (error != null) {
            System.exit(2);
        }
    }
}
