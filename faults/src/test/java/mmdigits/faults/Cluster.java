package mmdigits.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import mmdigits.localkafka.BrokerProcess;
import mmdigits.localkafka.Clone;
import mmdigits.localkafka.Keys;
import mmdigits.localkafka.ServiceProcess;

/**
 * The local broker and the four services as real processes on free loopback ports, under {@code
 * target/faults/<name>}: started, SIGKILLed and started again on the same ports (a service's
 * instance id is its host and port, so a restart is the same instance). Closing stops everything.
 */
final class Cluster implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    // HTTP/1.1: the hostile-input test sends what HTTP/1.1 clients send (Expect: 100-continue,
    // chunked bodies)
    private static final HttpClient HTTP =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
    private static final Map<String, String> HEALTH =
            Map.of(
                    "ingest-service",
                    "/q/health/ready",
                    "trainer-service",
                    "/q/health/ready",
                    "inference-service",
                    "/q/health/live",
                    "viz-service",
                    "/q/health/ready");

    final Path root;
    final Path work;
    private final int[] brokerPorts;
    private BrokerProcess broker;
    private final Map<String, ServiceProcess> services = new LinkedHashMap<>();
    private final Map<String, Integer> ports = new HashMap<>();
    private final Map<String, Map<String, String>> envs = new HashMap<>();

    Cluster(String name) throws IOException {
        this.root = root();
        this.work = fresh(Path.of("target/faults").resolve(name).toAbsolutePath());
        Files.createDirectories(work.resolve("logs"));
        this.brokerPorts = new int[] {BrokerProcess.freePort(), BrokerProcess.freePort()};
    }

    /** An empty directory (what an earlier run left there is deleted). */
    static Path fresh(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return Files.createDirectories(dir);
    }

    /** The clone: the directory with ./digits and the services' modules. */
    static Path root() {
        return Clone.root();
    }

    String bootstrap() {
        return "127.0.0.1:" + brokerPorts[0];
    }

    void startBroker() throws Exception {
        broker = BrokerProcess.start(work.resolve("kafka"), brokerPorts[0], brokerPorts[1]);
    }

    void killBroker() throws InterruptedException {
        broker.kill();
    }

    /** Starts a service (again: same port, same settings), waits until it is healthy. */
    ServiceProcess start(String service, Map<String, String> env) throws Exception {
        int port = ports.computeIfAbsent(service, s -> freePort());
        Map<String, String> all = new HashMap<>(Keys.env(keys()));
        all.putAll(env);
        all.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap());
        all.putIfAbsent("TRAINER_ARTIFACTS_DIR", work.resolve("out/artifacts").toString());
        all.putIfAbsent("VIZ_OUTPUT_DIR", work.resolve("out/reports").toString());
        all.putIfAbsent("INGEST_DATASET_ROOT", work.toString());
        envs.put(service, all);
        ServiceProcess p =
                ServiceProcess.start(
                        root,
                        service,
                        port,
                        all,
                        work.resolve("logs/" + service + ".log"),
                        HEALTH.get(service));
        services.put(service, p);
        return p;
    }

    ServiceProcess restart(String service) throws Exception {
        return start(service, envs.get(service));
    }

    /** Starts the process without waiting for it (to time how soon it works again). */
    ServiceProcess launch(String service) throws IOException {
        ServiceProcess p =
                ServiceProcess.launch(
                        root,
                        service,
                        ports.get(service),
                        envs.get(service),
                        work.resolve("logs/" + service + ".log"));
        services.put(service, p);
        return p;
    }

    void kill(String service) throws InterruptedException {
        services.get(service).kill();
    }

    ServiceProcess service(String name) {
        return services.get(name);
    }

    String log(String service) throws IOException {
        return Files.readString(work.resolve("logs/" + service + ".log"));
    }

    private static int freePort() {
        try {
            return BrokerProcess.freePort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A service's answer: status and body. */
    record Answer(int status, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    Answer get(String service, String path) throws Exception {
        return send(service, HttpRequest.newBuilder(uri(service, path)).GET());
    }

    /** Posts JSON as a user holding every role ({@link #token()}). */
    Answer post(String service, String path, String json) throws Exception {
        return send(
                service,
                HttpRequest.newBuilder(uri(service, path))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + token())
                        .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** Deletes as a user holding every role ({@link #token()}). */
    Answer delete(String service, String path) throws Exception {
        return send(
                service,
                HttpRequest.newBuilder(uri(service, path))
                        .header("Authorization", "Bearer " + token())
                        .DELETE());
    }

    /** A token with every role, signed with the cluster's key. */
    String token() throws IOException, GeneralSecurityException {
        return Keys.token(keys(), "faults", Keys.ROLES, Duration.ofHours(2));
    }

    /** The cluster's key pairs (JWT, releases), made on first use. */
    Path keys() throws IOException, GeneralSecurityException {
        return Keys.ensure(work.resolve("keys"));
    }

    Answer send(String service, HttpRequest.Builder request) throws Exception {
        HttpResponse<String> r =
                HTTP.send(
                        request.timeout(Duration.ofMinutes(3)).build(),
                        HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body());
    }

    URI uri(String service, String path) {
        return URI.create("http://127.0.0.1:" + ports.get(service) + path);
    }

    @Override
    public void close() {
        services.values().forEach(ServiceProcess::close);
        if (broker != null) {
            broker.close();
        }
    }
}
