package mmdigits.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mmdigits.common.Topics;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.common.proto.Split;
import mmdigits.common.seed.SeedSplit;
import mmdigits.common.seed.SyntheticDataset;
import mmdigits.localkafka.BrokerProcess;
import mmdigits.localkafka.Keys;
import mmdigits.localkafka.ServiceProcess;
import org.apache.kafka.clients.admin.Admin;

/**
 * Ingest throughput of a seed directory through the real ingest-service, next to Kafka's own {@code
 * kafka-producer-perf-test} (ProducerPerformance) at the same record size, count, acks, compression
 * and transactional mode, on the same local broker, in one run.
 *
 * <pre>
 * ./mvnw -B -q package -DskipTests && bench/ingest.sh [--data DIR] [--rows 60000]
 * </pre>
 */
public final class IngestBench {
    private static final Pattern PERF =
            Pattern.compile("(\\d+) records sent, ([\\d.]+) records/sec \\(([\\d.]+) MB/sec\\)");

    public static void main(String[] args) {
        Services.runAndExit(() -> run(args));
    }

    static void run(String[] args) throws Exception {
        Path root = Path.of(".").toAbsolutePath().normalize();
        Path data = null;
        int rows = 60_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]).toAbsolutePath();
                case "--rows" -> rows = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path work = root.resolve("out/bench/ingest");
        Files.createDirectories(work);
        if (data == null) {
            data = work.resolve("synthetic-" + rows);
            if (!Files.exists(data.resolve("y_train.csv"))) {
                System.out.printf("writing %,d synthetic train rows to %s%n", rows, data);
                SyntheticDataset.write(data, 1, rows, 0, false);
            }
        }
        long trainRows;
        long sampleBytes;
        try (SeedSplit train = SeedSplit.open(data, Split.TRAIN, null)) {
            trainRows = train.rows();
            sampleBytes = train.sample("bench-none", 0).getSerializedSize();
        }
        long fileBytes =
                Files.size(data.resolve("x_train_wr.npy"))
                        + Files.size(data.resolve("x_train_sp.npy"));
        System.out.printf(
                "dataset %s: %,d train rows, %.1f MB of NPY, %,d bytes per Sample record%n",
                data, trainRows, fileBytes / 1e6, sampleBytes);

        Path brokerDir = Files.createTempDirectory("mmdigits-bench-kafka-");
        try (BrokerProcess broker = BrokerProcess.start(brokerDir)) {
            String bootstrap = broker.bootstrapServers();
            TopicAdmin.ensureTopics(bootstrap, Duration.ofSeconds(30));
            try (Admin admin = TopicAdmin.admin(bootstrap)) {
                TopicAdmin.ensureTopics(
                        admin,
                        List.of(new Topics.Spec("bench.perf", 4, Map.of())),
                        Duration.ofSeconds(30));
            }
            System.out.println("broker " + bootstrap + " (pid " + broker.pid() + ")");
            Map<String, Double> results = new LinkedHashMap<>();
            results.put("rows", (double) trainRows);
            for (String compression : List.of("none", "lz4")) {
                double[][] ingest = ingest(root, bootstrap, data, compression, trainRows);
                double[] perf = perfTest(bootstrap, trainRows, sampleBytes, compression);
                System.out.printf("%n== compression %s ==%n", compression);
                String[] runs = {"first publish (cold JVM)", "second publish (warm)"};
                for (int i = 0; i < 2; i++) {
                    System.out.printf(
                            "ingest-service %s: publish %,.0f samples/s, %.1f MB/s; whole request (validate + publish) %.2f s%n",
                            runs[i], ingest[i][0], ingest[i][1], ingest[i][2]);
                }
                System.out.printf(
                        "kafka-producer-perf-test, same size/count/acks/transactions: %,.0f records/s, %.1f MB/s%n",
                        perf[0], perf[1]);
                System.out.printf(
                        "RATIO ingest / producer-perf-test (records/s), compression %s: cold %.2f, warm %.2f%n",
                        compression, ingest[0][0] / perf[0], ingest[1][0] / perf[0]);
                results.put(compression + "_ingest_cold_per_s", ingest[0][0]);
                results.put(compression + "_ingest_warm_per_s", ingest[1][0]);
                results.put(compression + "_perf_test_per_s", perf[0]);
            }
            Files.writeString(
                    work.resolve("results.json"),
                    new ObjectMapper()
                            .writerWithDefaultPrettyPrinter()
                            .writeValueAsString(results));
        }
    }

    /**
     * @return per publish (cold, then warm): samples/s and MB/s of the publish phase, seconds of
     *     the whole request
     */
    static double[][] ingest(Path root, String bootstrap, Path data, String compression, long rows)
            throws Exception {
        int port = BrokerProcess.freePort();
        Path log = root.resolve("out/bench/ingest/ingest-" + compression + ".log");
        Path keys = Keys.ensure(root.resolve("out/bench/ingest/keys"));
        Map<String, String> env = new HashMap<>(Keys.env(keys));
        env.putAll(
                Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS",
                        bootstrap,
                        "INGEST_DATASET_ROOT",
                        data.getParent().toString(),
                        "INGEST_PRODUCER_COMPRESSION",
                        compression));
        String token = Keys.token(keys, "bench", List.of("ingest"), Duration.ofHours(1));
        try (ServiceProcess p =
                ServiceProcess.start(root, "ingest-service", port, env, log, "/q/health/ready")) {
            return new double[][] {
                publish(port, data, compression, rows, token),
                publish(port, data, compression, rows, token)
            };
        }
    }

    static double[] publish(int port, Path data, String compression, long rows, String token)
            throws Exception {
        {
            String body =
                    "{\"directory\":\""
                            + data.getFileName()
                            + "\",\"dataset\":\"bench-"
                            + compression
                            + "\"}";
            long t0 = System.nanoTime();
            HttpResponse<String> r =
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(
                                                    URI.create(
                                                            "http://127.0.0.1:"
                                                                    + port
                                                                    + "/datasets"))
                                            .header("Content-Type", "application/json")
                                            .header("Authorization", "Bearer " + token)
                                            .timeout(Duration.ofMinutes(10))
                                            .POST(HttpRequest.BodyPublishers.ofString(body))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
            double wall = (System.nanoTime() - t0) / 1e9;
            if (r.statusCode() != 200) {
                throw new IllegalStateException(
                        "ingest answered " + r.statusCode() + ": " + r.body());
            }
            double sps = number(r.body(), "samplesPerSecond");
            double mbs = number(r.body(), "megabytesPerSecond");
            if ((long) number(r.body(), "count") != rows) {
                throw new IllegalStateException("expected " + rows + " samples, got " + r.body());
            }
            return new double[] {sps, mbs, wall};
        }
    }

    static double number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\"\\s*:\\s*([-\\d.eE]+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + field + " in " + json);
        }
        return Double.parseDouble(m.group(1));
    }

    /**
     * @return records/s and MB/s of Kafka's ProducerPerformance
     */
    static double[] perfTest(String bootstrap, long rows, long recordSize, String compression)
            throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb =
                new ProcessBuilder(
                                java,
                                "-Xmx1g",
                                "-cp",
                                brokerClasspath(),
                                "org.apache.kafka.tools.ProducerPerformance",
                                "--topic",
                                "bench.perf",
                                "--num-records",
                                Long.toString(rows),
                                "--record-size",
                                Long.toString(recordSize),
                                "--throughput",
                                "-1",
                                "--transactional-id",
                                "perf-" + UUID.randomUUID(),
                                "--transaction-duration-ms",
                                "600000",
                                "--producer-props",
                                "bootstrap.servers=" + bootstrap,
                                "acks=all",
                                "enable.idempotence=true",
                                "compression.type=" + compression,
                                "linger.ms=10",
                                "batch.size=524288")
                        .redirectErrorStream(true);
        Process p = pb.start();
        String last = null;
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (PERF.matcher(line).find()) {
                    last = line;
                }
            }
        }
        p.waitFor();
        if (last == null) {
            throw new IllegalStateException(
                    "ProducerPerformance printed no result (exit " + p.exitValue() + ")");
        }
        Matcher m = PERF.matcher(last);
        m.find();
        return new double[] {Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3))};
    }

    static String brokerClasspath() throws Exception {
        return BrokerProcess.classpath();
    }
}
