package mmdigits.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mmdigits.common.kafka.KafkaAccess;
import mmdigits.localkafka.BrokerProcess;
import mmdigits.localkafka.Keys;
import mmdigits.localkafka.LoadBalancer;
import mmdigits.localkafka.LocalCluster;
import mmdigits.localkafka.ServiceProcess;

/**
 * The production topology on this machine, as {@code ./digits up --cluster} runs it: three Kafka
 * nodes set up from the rendered production overlay (SASL/SCRAM, the KafkaUsers' ACLs, the
 * authorizer's audit log on), two replicas of every service as its own Kafka user with a stable
 * instance id ({@code <service>-<n>}), never creating a topic, HAProxy in front of each. Replicas
 * are stopped, SIGKILLed and started again on their ports under their identity.
 */
final class ProductionTopology implements AutoCloseable {
    static final List<String> SERVICES = KafkaAccess.SERVICES;
    static final int REPLICAS = 2;
    private static final HttpClient HTTP =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();

    final Path root = Cluster.root();
    final Path work;
    final Path deployYaml;
    private final Map<String, String> serviceSettings;
    private LocalCluster kafka;
    private LoadBalancer lb;
    private final Map<String, ServiceProcess> replicas = new LinkedHashMap<>();
    private final Map<String, Integer> ports = new HashMap<>();
    private final Map<String, Integer> grpcPorts = new HashMap<>();

    /**
     * @param serviceSettings environment every replica gets (on top of the topology's own), e.g.
     *     the trainer's model size
     */
    ProductionTopology(String name, Map<String, String> serviceSettings) throws IOException {
        this.work = Cluster.fresh(Path.of("target/faults").resolve(name).toAbsolutePath());
        Files.createDirectories(work.resolve("logs"));
        this.deployYaml = work.resolve("deploy.yaml");
        this.serviceSettings = Map.copyOf(serviceSettings);
    }

    /** The three nodes, their topics, users and ACLs; then every replica; then the balancer. */
    void start() throws Exception {
        render();
        kafka =
                LocalCluster.builder(work.resolve("kafka"))
                        .nodes(3)
                        .strimzi(deployYaml)
                        .auditLog(true)
                        .start();
        kafka.apply(deployYaml);
        for (String service : SERVICES) {
            for (int n = 0; n < REPLICAS; n++) {
                launch(service, n);
            }
        }
        for (String replica : replicas.keySet()) {
            awaitUp(replica, Duration.ofMinutes(4));
        }
        lb = LoadBalancer.start(work.resolve("lb"), frontends());
    }

    /** {@code kubectl kustomize deploy/overlays/production}: what Kubernetes gets. */
    private void render() throws IOException, InterruptedException {
        render("production", deployYaml);
    }

    /** {@code kubectl kustomize deploy/overlays/<overlay>} into a file. */
    void render(String overlay, Path out) throws IOException, InterruptedException {
        Path kubectl = root.resolve("tools/kubectl/bin/kubectl");
        if (!Files.isExecutable(kubectl)) {
            throw new IllegalStateException(
                    kubectl + " is missing: ./digits deps cluster installs it");
        }
        Path log = work.resolve("logs/kubectl-" + overlay + ".log");
        Process p =
                new ProcessBuilder(
                                kubectl.toString(),
                                "kustomize",
                                root.resolve("deploy/overlays/" + overlay).toString())
                        .redirectOutput(out.toFile())
                        .redirectError(log.toFile())
                        .start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("kubectl kustomize failed: " + Files.readString(log));
        }
    }

    private List<LoadBalancer.Frontend> frontends() {
        List<LoadBalancer.Frontend> out = new ArrayList<>();
        for (String service : SERVICES) {
            List<LoadBalancer.Server> servers = new ArrayList<>();
            List<LoadBalancer.Server> grpc = new ArrayList<>();
            for (int n = 0; n < REPLICAS; n++) {
                String r = name(service, n);
                servers.add(LoadBalancer.Server.of("127.0.0.1", ports.get(r)));
                if (grpcPorts.containsKey(r)) {
                    grpc.add(new LoadBalancer.Server("127.0.0.1", grpcPorts.get(r), ports.get(r)));
                }
            }
            LoadBalancer.Frontend f = LoadBalancer.Frontend.http(service, freePort(), servers);
            // only inference's requests may run twice (a prediction); a sample or a run may not
            out.add(service.equals(KafkaAccess.INFERENCE) ? f.withReplay() : f);
            if (!grpc.isEmpty()) {
                out.add(
                        LoadBalancer.Frontend.grpc(service + "-grpc", freePort(), grpc)
                                .withReplay());
            }
        }
        return out;
    }

    static String name(String service, int n) {
        return service + "-service-" + n;
    }

    /** The health path that answers once a replica is up (inference: live, it needs a model). */
    static String health(String service) {
        return service.equals(KafkaAccess.INFERENCE) ? "/q/health/live" : "/q/health/ready";
    }

    /** Starts a replica (again: same port, same identity) without waiting for it. */
    ServiceProcess launch(String service, int n) throws IOException, GeneralSecurityException {
        return launch(service, n, Map.of());
    }

    /** A replica with more settings (an instance of its own: another {@code n}). */
    ServiceProcess launch(String service, int n, Map<String, String> more)
            throws IOException, GeneralSecurityException {
        String r = name(service, n);
        int port = ports.computeIfAbsent(r, k -> freePort());
        Map<String, String> env = new HashMap<>(Keys.env(keys()));
        env.putAll(serviceSettings);
        env.putAll(kafkaSettings(service));
        env.put("MMDIGITS_INSTANCE_ID", service + "-" + n);
        env.put("MMDIGITS_TOPICS_CREATE_ON_START", "false");
        env.put("QUARKUS_SHUTDOWN_DELAY", "3s");
        env.put("INGEST_DATASET_ROOT", work.toString());
        env.put("TRAINER_ARTIFACTS_DIR", work.resolve("out/" + r + "/artifacts").toString());
        env.put("VIZ_OUTPUT_DIR", work.resolve("out/" + r + "/reports").toString());
        // eleven JVMs on 2 cores: without C2's compile threads (as ./digits --cluster)
        env.put("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -Xmx768m");
        if (service.equals(KafkaAccess.INFERENCE)) {
            env.put(
                    "QUARKUS_GRPC_SERVER_PORT",
                    Integer.toString(grpcPorts.computeIfAbsent(r, k -> freePort())));
        }
        env.putAll(more);
        ServiceProcess p = ServiceProcess.launch(root, service + "-service", port, env, log(r));
        replicas.put(r, p);
        return p;
    }

    /** The KafkaUser's client settings of a service as the environment Quarkus maps to kafka.*. */
    Map<String, String> kafkaSettings(String service) throws IOException {
        Map<String, String> c = kafka.clientProperties(KafkaAccess.user(service));
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", c.get("bootstrap.servers"));
        env.put("KAFKA_SECURITY_PROTOCOL", c.get("security.protocol"));
        env.put("KAFKA_SASL_MECHANISM", c.get("sasl.mechanism"));
        env.put("KAFKA_SASL_JAAS_CONFIG", c.get("sasl.jaas.config"));
        return env;
    }

    void awaitUp(String replica, Duration timeout) throws IOException, InterruptedException {
        String service = replica.substring(0, replica.indexOf("-service-"));
        replicas.get(replica).awaitHealthy(health(service), timeout);
    }

    /**
     * Stops a replica with SIGTERM (it drains and leaves its groups) and waits until it is gone.
     */
    void stop(String replica) {
        replicas.get(replica).close();
    }

    void kill(String replica) throws InterruptedException {
        replicas.get(replica).kill();
    }

    ServiceProcess replica(String replica) {
        return replicas.get(replica);
    }

    Path log(String replica) {
        return work.resolve("logs/" + replica + ".log");
    }

    LocalCluster kafka() {
        return kafka;
    }

    LoadBalancer lb() {
        return lb;
    }

    /** The balancer's address of a service (or of inference's gRPC: "inference-grpc"). */
    URI uri(String frontend, String path) {
        return URI.create("http://127.0.0.1:" + lb.port(frontend) + path);
    }

    /** A replica's own address. */
    URI replicaUri(String replica, String path) {
        return URI.create("http://127.0.0.1:" + ports.get(replica) + path);
    }

    Cluster.Answer get(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> r =
                HTTP.send(
                        HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(2)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
        return new Cluster.Answer(r.statusCode(), r.body());
    }

    Cluster.Answer post(URI uri, String json) throws Exception {
        HttpResponse<String> r =
                HTTP.send(
                        HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofMinutes(3))
                                .header("Content-Type", "application/json")
                                .header("Authorization", "Bearer " + token())
                                .POST(HttpRequest.BodyPublishers.ofString(json))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return new Cluster.Answer(r.statusCode(), r.body());
    }

    String token() throws IOException, GeneralSecurityException {
        return Keys.token(keys(), "faults", Keys.ROLES, Duration.ofHours(2));
    }

    Path keys() throws IOException, GeneralSecurityException {
        return Keys.ensure(work.resolve("keys"));
    }

    static int freePort() {
        try {
            return BrokerProcess.freePort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        replicas.values().parallelStream().forEach(ServiceProcess::close);
        if (lb != null) {
            lb.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }
}
