package mmdigits.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mmdigits.common.Topics;
import mmdigits.localkafka.KafkaEnv;
import mmdigits.localkafka.LoadBalancer;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml, checked without a Docker engine: it parses and {@code docker-compose config}
 * accepts it; its services, ports, health checks and environment variables agree with each
 * service's application.properties and config mapping; the broker image has the client's major
 * version; the Dockerfile has a target per service. The cluster override
 * (docker-compose.cluster.yml merged on it by {@code docker-compose config}, which needs no
 * engine): three KRaft nodes with the production overlay's replication and otherwise the single
 * broker's settings, every service bootstrapping from all three, two inference replicas that differ
 * from the single service only by their identity, drain and brokers, HAProxy on the published
 * inference ports with the settings {@code ./digits up --cluster} gives it ({@link
 * LoadBalancer#config}) and the replicas as servers. Prometheus scrapes every service under its own
 * name and loads the alert rules, the replicas in the cluster.
 */
class ComposeTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** What secrets/compose.env holds (./digits token makes it): a Kafka password per user. */
    static final Map<String, String> PASSWORDS =
            Map.of(
                    "DIGITS_KAFKA_PASSWORD_INGEST",
                    "p-ingest",
                    "DIGITS_KAFKA_PASSWORD_TRAINER",
                    "p-trainer",
                    "DIGITS_KAFKA_PASSWORD_INFERENCE",
                    "p-inference",
                    "DIGITS_KAFKA_PASSWORD_VIZ",
                    "p-viz",
                    "DIGITS_KAFKA_PASSWORD_CLIENT",
                    "p-client");

    /**
     * The files as docker-compose resolves them (later files override earlier ones, anchors merged,
     * defaults filled in, ports long form); docker-compose.yml alone without arguments.
     */
    static JsonNode compose(String... files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/docker-compose"));
        for (String f : files) {
            cmd.addAll(List.of("-f", f));
        }
        cmd.add("config");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ServiceConfig.root().toFile());
        // the defaults, not the caller's DIGITS_* (ports, bind address, images, data)
        pb.environment().keySet().removeIf(name -> name.startsWith("DIGITS_"));
        pb.environment().putAll(PASSWORDS);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        return YAML.readTree(out);
    }

    @Test
    void dockerComposeConfigAcceptsTheFiles() throws Exception {
        Path root = ServiceConfig.root();
        Path tool = Path.of("/usr/bin/docker-compose");
        assertThat(tool)
                .as(
                        "docker-compose is missing: run ./digits deps all (Debian package docker-compose)")
                .exists();
        for (List<String> files :
                List.of(
                        List.of("docker-compose.yml"),
                        List.of("docker-compose.yml", "docker-compose.gpu.yml"),
                        List.of("docker-compose.yml", "docker-compose.cluster.yml"))) {
            List<String> cmd = new ArrayList<>(List.of(tool.toString()));
            files.forEach(f -> cmd.addAll(List.of("-f", f)));
            cmd.addAll(List.of("config", "-q"));
            ProcessBuilder pb =
                    new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true);
            pb.environment().keySet().removeIf(name -> name.startsWith("DIGITS_"));
            pb.environment().putAll(PASSWORDS);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("docker-compose %s config: %s", files, out).isZero();
        }
    }

    @Test
    void servicesPortsHealthAndEnvironmentMatchTheServicesConfig() throws Exception {
        JsonNode services = compose().get("services");
        List<String> names = new ArrayList<>();
        services.fieldNames().forEachRemaining(names::add);
        assertThat(names)
                .containsExactlyInAnyOrder(
                        "kafka",
                        "kafka-users",
                        "ingest-service",
                        "trainer-service",
                        "inference-service",
                        "viz-service",
                        "prometheus");
        String dockerfile = Files.readString(ServiceConfig.root().resolve("Dockerfile"));
        for (Map.Entry<String, ServiceConfig> e : ServiceConfig.all().entrySet()) {
            String name = e.getKey();
            ServiceConfig config = e.getValue();
            JsonNode s = services.get(name);
            assertThat(s).as(name).isNotNull();
            assertThat(s.get("build").get("target").asText()).isEqualTo(name);
            assertThat(dockerfile).as("Dockerfile target").contains("AS " + name + "\n");
            // published on the loopback interface only, by default
            assertThat(s.get("ports").get(0).asText())
                    .as("%s port", name)
                    .isEqualTo("127.0.0.1:" + config.port() + ":" + config.port() + "/tcp");
            String health = s.get("healthcheck").get("test").toString();
            assertThat(health)
                    .as("%s health check", name)
                    .contains("http://localhost:" + config.port() + "/q/health/");
            JsonNode env = s.get("environment");
            env.fieldNames()
                    .forEachRemaining(
                            var ->
                                    assertThat(config.readsEnv(var))
                                            .as(
                                                    "%s: environment variable %s is not a setting of the service",
                                                    name, var)
                                            .isTrue());
            assertThat(env.get("KAFKA_BOOTSTRAP_SERVERS").asText()).isEqualTo("kafka:29092");
            // Kafka over SASL/SCRAM as the service's own user; tokens verified with the mounted
            // key; secrets read-only
            String user = "mmdigits-" + name.substring(0, name.indexOf('-'));
            assertThat(env.get("KAFKA_SECURITY_PROTOCOL").asText()).isEqualTo("SASL_PLAINTEXT");
            assertThat(env.get("KAFKA_SASL_MECHANISM").asText()).isEqualTo("SCRAM-SHA-512");
            assertThat(env.get("KAFKA_SASL_JAAS_CONFIG").asText())
                    .startsWith("org.apache.kafka.common.security.scram.ScramLoginModule required")
                    .contains("username=\"" + user + "\"")
                    .contains(
                            "password=\""
                                    + PASSWORDS.get(
                                            "DIGITS_KAFKA_PASSWORD_"
                                                    + user.substring(9).toUpperCase())
                                    + "\"");
            assertThat(env.get("MP_JWT_VERIFY_PUBLICKEY_LOCATION").asText())
                    .isEqualTo("/secrets/jwt-public.pem");
            assertThat(s.get("volumes").toString()).contains("/secrets:ro");
            assertThat(s.at("/depends_on/kafka-users/condition").asText())
                    .isEqualTo("service_completed_successfully");
            assertThat(env.has("MMDIGITS_RELEASES_SIGNING_KEY"))
                    .as("%s holds the release signing key", name)
                    .isEqualTo(name.equals("trainer-service"));
            // whoever verifies releases or promotions (its application.properties names the key)
            // fails at start without it
            assertThat(env.has("MMDIGITS_RELEASES_VERIFY_KEY"))
                    .as(
                            "%s verifies releases and promotions: MMDIGITS_RELEASES_VERIFY_KEY in"
                                    + " docker-compose.yml",
                            name)
                    .isEqualTo(config.readsEnv("MMDIGITS_RELEASES_VERIFY_KEY"));
            // nothing calls home
            assertThat(env.get("ORT_DISABLE_TELEMETRY").asText()).isEqualTo("1");
            assertThat(env.get("OPT_OUT_TRACKING").asText()).isEqualTo("true");
            assertThat(env.get("JAVA_OPTS").asText()).contains("-Dai.djl.offline=true");
            for (JsonNode dep : iterable(s.get("depends_on"))) {
                assertThat(names).contains(dep.asText());
            }
        }
        // the broker: the official image, KRaft, the clients' major version, the internal listener
        // the services use
        JsonNode kafka = services.get("kafka");
        String tag = kafka.get("image").asText();
        assertThat(tag).startsWith("apache/kafka:");
        String client = AppInfoParser.getVersion();
        assertThat(tag.substring(tag.indexOf(':') + 1).split("\\.")[0])
                .isEqualTo(client.split("\\.")[0]);
        assertThat(kafka.get("environment").get("KAFKA_PROCESS_ROLES").asText())
                .isEqualTo("broker,controller");
        assertThat(kafka.get("environment").get("KAFKA_ADVERTISED_LISTENERS").asText())
                .contains("INTERNAL://kafka:29092");
        // the listeners clients reach authenticate; the published one is on the loopback interface
        // only
        assertThat(kafka.get("environment").get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP").asText())
                .contains("INTERNAL:SASL_PLAINTEXT", "EXTERNAL:SASL_PLAINTEXT");
        assertThat(kafka.get("environment").get("KAFKA_SASL_ENABLED_MECHANISMS").asText())
                .isEqualTo("SCRAM-SHA-512");
        assertThat(kafka.get("ports")).hasSize(1);
        assertThat(kafka.get("ports").get(0).asText()).isEqualTo("127.0.0.1:9092:9092/tcp");
        assertThat(services.get("kafka-users").get("command").toString())
                .contains("SCRAM-SHA-512")
                .contains("ingest trainer inference viz client");
        assertThat(kafka.get("environment").get("KAFKA_AUTO_CREATE_TOPICS_ENABLE").asText())
                .isEqualTo("false");
        assertThat(Long.parseLong(kafka.get("environment").get("KAFKA_MESSAGE_MAX_BYTES").asText()))
                .isGreaterThanOrEqualTo(Topics.MAX_MESSAGE_BYTES);
        // the gpu override reserves a GPU for the trainer
        JsonNode gpu =
                YAML.readTree(ServiceConfig.root().resolve("docker-compose.gpu.yml").toFile());
        assertThat(
                        gpu.at(
                                        "/services/trainer-service/deploy/resources/reservations/devices/0/capabilities/0")
                                .asText())
                .isEqualTo("gpu");
    }

    @Test
    void theConfigReaderSeesTheMappings() throws Exception {
        // guards the checks above: known keys of each service are found, a made-up one is not
        Map<String, ServiceConfig> all = ServiceConfig.all();
        assertThat(all.get("inference-service").readsEnv("INFERENCE_BATCH_MAX_WAIT")).isTrue();
        assertThat(all.get("inference-service").readsEnv("INFERENCE_STREAM_JOB_MODEL_WAIT"))
                .isTrue();
        assertThat(all.get("ingest-service").readsEnv("INGEST_DATA_DIR")).isTrue();
        assertThat(all.get("viz-service").readsEnv("VIZ_TSNE_PERPLEXITY")).isTrue();
        assertThat(all.get("trainer-service").readsEnv("TRAINER_EPOCHS")).isTrue();
        assertThat(all.get("viz-service").readsEnv("VIZ_TSNE_PERPLEXITYY")).isFalse();
        assertThat(all.get("ingest-service").readsEnv("INFERENCE_BATCH_MAX_SIZE")).isFalse();
        assertThat(all.values()).allSatisfy(c -> assertThat(c.port()).isBetween(8080, 8083));
    }

    // --- docker-compose.cluster.yml
    // -----------------------------------------------------------------------------------------------

    static final String CLUSTER = "docker-compose.cluster.yml";
    static final String HAPROXY_CONFIG = "deploy/docker/haproxy-cluster.cfg";

    /** A broker's settings that differ from node to node. */
    static final Set<String> PER_NODE = Set.of("KAFKA_NODE_ID", "KAFKA_ADVERTISED_LISTENERS");

    /** What an inference replica sets beyond the single inference-service of the base file. */
    static final Set<String> PER_REPLICA =
            Set.of("MMDIGITS_INSTANCE_ID", "QUARKUS_SHUTDOWN_DELAY", "KAFKA_BOOTSTRAP_SERVERS");

    @Test
    void clusterHasTheNodesAndReplicationOfTheProductionOverlay() throws Exception {
        Map<String, JsonNode> brokers = brokers(compose("docker-compose.yml", CLUSTER));
        assertThat(brokers)
                .hasSize(strimzi("KafkaNodePool").at("/spec/replicas").asInt())
                .containsKey("kafka");
        assertThat(brokers.values())
                .extracting(b -> b.at("/environment/KAFKA_NODE_ID").asText())
                .containsExactlyInAnyOrder("1", "2", "3");
        JsonNode production = strimzi("Kafka").at("/spec/kafka/config");
        List<String> published = new ArrayList<>();
        Set<String> volumes = new HashSet<>();
        for (Map.Entry<String, JsonNode> b : brokers.entrySet()) {
            Map<String, String> props = KafkaEnv.properties(env(b.getValue()));
            production
                    .fields()
                    .forEachRemaining(
                            c ->
                                    assertThat(props)
                                            .as("%s: %s of the production overlay", b.getKey(), c)
                                            .containsEntry(c.getKey(), c.getValue().asText()));
            assertThat(props)
                    .containsEntry("process.roles", "broker,controller")
                    .containsEntry("controller.quorum.voters", voters(brokers));
            String port = b.getValue().at("/ports/0").asText();
            assertThat(port).startsWith("127.0.0.1:").endsWith(":9092/tcp");
            published.add(port.split(":")[1]);
            assertThat(props.get("advertised.listeners").split(","))
                    .containsExactlyInAnyOrder(
                            "INTERNAL://" + b.getKey() + ":29092",
                            "EXTERNAL://localhost:" + port.split(":")[1],
                            "BROKER://" + b.getKey() + ":29093");
            String volume = b.getValue().at("/volumes/0").asText();
            assertThat(volume).endsWith(":/var/lib/kafka/data:rw");
            volumes.add(volume);
        }
        assertThat(volumes).as("a volume per node").hasSize(brokers.size());
        // the client ports of ./digits up --cluster (three per node from 9092)
        assertThat(published).containsExactlyInAnyOrder("9092", "9095", "9098");
    }

    @Test
    void clusterNodesKeepTheSingleBrokersSettings() throws Exception {
        JsonNode cluster = compose("docker-compose.yml", CLUSTER);
        Map<String, JsonNode> brokers = brokers(cluster);
        Map<String, String> first = without(env(brokers.get("kafka")), PER_NODE);
        brokers.forEach(
                (name, b) -> assertThat(without(env(b), PER_NODE)).as("%s", name).isEqualTo(first));
        // every setting of the single broker, the same unless the cluster changes it
        Set<String> clusterKeys = new HashSet<>(Set.of("controller.quorum.voters"));
        strimzi("Kafka").at("/spec/kafka/config").fieldNames().forEachRemaining(clusterKeys::add);
        Map<String, String> single = KafkaEnv.properties(env(compose().at("/services/kafka")));
        Map<String, String> node = KafkaEnv.properties(env(brokers.get("kafka")));
        single.forEach(
                (key, value) -> {
                    assertThat(node).as(key).containsKey(key);
                    if (!clusterKeys.contains(key)) {
                        assertThat(node.get(key)).as(key).isEqualTo(value);
                    }
                });
        JsonNode users = cluster.at("/services/kafka-users");
        for (String broker : brokers.keySet()) {
            assertThat(users.at("/depends_on/" + broker + "/condition").asText())
                    .as("kafka-users waits for %s", broker)
                    .isEqualTo("service_healthy");
        }
        assertThat(users.get("command").toString())
                .isEqualTo(compose().at("/services/kafka-users/command").toString());
    }

    @Test
    void everyServiceBootstrapsFromTheThreeBrokers() throws Exception {
        JsonNode cluster = compose("docker-compose.yml", CLUSTER);
        JsonNode services = cluster.get("services");
        Set<String> internal = new HashSet<>();
        brokers(cluster).keySet().forEach(name -> internal.add(name + ":29092"));
        List<String> clients = new ArrayList<>();
        services.fields()
                .forEachRemaining(
                        s -> {
                            JsonNode bootstrap =
                                    s.getValue().at("/environment/KAFKA_BOOTSTRAP_SERVERS");
                            if (!bootstrap.isMissingNode() && !s.getValue().has("profiles")) {
                                clients.add(s.getKey());
                                assertThat(Set.of(bootstrap.asText().split(",")))
                                        .as(s.getKey())
                                        .isEqualTo(internal);
                            }
                        });
        assertThat(clients)
                .containsExactlyInAnyOrder(
                        "ingest-service",
                        "trainer-service",
                        "viz-service",
                        "inference-0",
                        "inference-1");
    }

    @Test
    void twoInferenceReplicasWithIdentitiesOfTheirOwn() throws Exception {
        JsonNode cluster = compose("docker-compose.yml", CLUSTER);
        JsonNode single = cluster.at("/services/inference-service");
        // left out by `up` (its published ports go to HAProxy), and nothing waits for it
        assertThat(single.get("profiles").toString()).isEqualTo("[\"single-inference\"]");
        cluster.get("services")
                .fields()
                .forEachRemaining(
                        s ->
                                assertThat(s.getValue().path("depends_on").has("inference-service"))
                                        .as(s.getKey())
                                        .isFalse());
        Map<String, JsonNode> replicas = inferenceReplicas(cluster);
        assertThat(replicas).containsOnlyKeys("inference-0", "inference-1");
        ServiceConfig config = ServiceConfig.all().get("inference-service");
        for (Map.Entry<String, JsonNode> r : replicas.entrySet()) {
            JsonNode s = r.getValue();
            assertThat(s.at("/environment/MMDIGITS_INSTANCE_ID").asText()).isEqualTo(r.getKey());
            assertThat(without(env(s), PER_REPLICA)).isEqualTo(without(env(single), PER_REPLICA));
            env(s).keySet()
                    .forEach(
                            v ->
                                    assertThat(config.readsEnv(v))
                                            .as("%s: %s", r.getKey(), v)
                                            .isTrue());
            for (String field : List.of("build", "image", "volumes", "healthcheck", "restart")) {
                assertThat(s.get(field))
                        .as("%s: %s", r.getKey(), field)
                        .isEqualTo(single.get(field));
            }
            assertThat(s.has("ports"))
                    .as("%s publishes no port (HAProxy does)", r.getKey())
                    .isFalse();
            assertThat(shutdownDelay(s)).isPositive();
            // docker's SIGKILL comes after the drain: the delay, then quarkus.shutdown.timeout
            assertThat(duration(s.get("stop_grace_period").asText()))
                    .isGreaterThanOrEqualTo(
                            duration(inferenceProperty("quarkus.shutdown.timeout"))
                                    .plus(shutdownDelay(s)));
        }
    }

    @Test
    void haproxyTakesThePublishedInferencePorts() throws Exception {
        JsonNode cluster = compose("docker-compose.yml", CLUSTER);
        JsonNode proxy = cluster.at("/services/haproxy");
        // the official image of the HAProxy version ./digits up --cluster runs (Debian's)
        assertThat(proxy.get("image").asText()).isEqualTo("haproxy:" + hostHaproxyVersion());
        List<String> ports = new ArrayList<>();
        proxy.get("ports").forEach(p -> ports.add(p.asText()));
        compose()
                .at("/services/inference-service/ports")
                .forEach(p -> assertThat(ports).as("published by the proxy").contains(p.asText()));
        // what it publishes is what the configuration binds (on the container's interfaces)
        Set<String> binds = new HashSet<>();
        haproxySections(haproxyConfig())
                .values()
                .forEach(
                        lines ->
                                lines.stream()
                                        .filter(l -> l.startsWith("bind :"))
                                        .forEach(l -> binds.add(l.substring(6).split(" ")[0])));
        assertThat(ports)
                .extracting(p -> p.substring(p.lastIndexOf(':') + 1).replace("/tcp", ""))
                .containsExactlyInAnyOrderElementsOf(binds);
        assertThat(proxy.get("volumes").get(0).asText())
                .isEqualTo(
                        ServiceConfig.root().resolve(HAPROXY_CONFIG)
                                + ":/usr/local/etc/haproxy/haproxy.cfg:ro");
        assertThat(iterable(proxy.get("depends_on")))
                .extracting(JsonNode::asText)
                .containsExactlyInAnyOrderElementsOf(inferenceReplicas(cluster).keySet());
    }

    @Test
    void haproxyHasTheLocalClusterModesSettingsForTheReplicas() throws Exception {
        Map<String, List<String>> ours = haproxySections(haproxyConfig());
        // what compose adds: the replicas' addresses from Docker's DNS, when they are there
        assertThat(ours.remove("resolvers docker")).containsExactly("parse-resolv-conf");
        String addresses = " resolvers docker init-addr libc,none";
        assertThat(ours.get("defaults"))
                .anyMatch(l -> l.startsWith("default-server ") && l.endsWith(addresses));
        // and listens on the container's interfaces, where LoadBalancer listens on 127.0.0.1
        for (List<String> lines : ours.values()) {
            lines.replaceAll(
                    l -> l.replace(addresses, "").replaceFirst("^bind :", "bind 127.0.0.1:"));
        }
        // the rest is what ./digits up --cluster writes: the servers are the replicas' services
        Set<String> replicas = inferenceReplicas(compose("docker-compose.yml", CLUSTER)).keySet();
        assertThat(ours).isEqualTo(haproxySections(LoadBalancer.config(frontends(replicas), 8404)));
    }

    /**
     * Prometheus: the official image of the version Debian ships (the stand-in's and promtool's),
     * on the loopback interface, its configuration and the alert rules mounted from
     * deploy/monitoring, a job per service named as the service, scraping /q/metrics on the
     * service's port.
     */
    @Test
    void prometheusScrapesEveryServiceAndLoadsTheAlertRules() throws Exception {
        JsonNode prometheus = compose().at("/services/prometheus");
        assertThat(prometheus.get("image").asText())
                .isEqualTo("prom/prometheus:v" + hostPrometheusVersion());
        assertThat(prometheus.get("ports")).hasSize(1);
        assertThat(prometheus.at("/ports/0").asText()).isEqualTo("127.0.0.1:9090:9090/tcp");
        Path monitoring = ServiceConfig.root().resolve("deploy/monitoring");
        assertThat(iterable(prometheus.get("volumes")))
                .extracting(JsonNode::asText)
                .contains(
                        monitoring.resolve("prometheus.yml") + ":/etc/prometheus/prometheus.yml:ro",
                        monitoring.resolve("alerts.yml") + ":/etc/prometheus/alerts.yml:ro");
        assertThat(prometheus.get("command").toString())
                .contains("--config.file=/etc/prometheus/prometheus.yml");
        JsonNode config = YAML.readTree(monitoring.resolve("prometheus.yml").toFile());
        assertThat(config.get("rule_files"))
                .extracting(JsonNode::asText)
                .containsExactly("alerts.yml");
        Map<String, List<String>> expected = new LinkedHashMap<>();
        ServiceConfig.all()
                .forEach((name, c) -> expected.put(name, List.of(name + ":" + c.port())));
        assertThat(scrapeTargets(config)).isEqualTo(expected);
    }

    /**
     * With the cluster override, Prometheus' configuration is prometheus-cluster.yml, which differs
     * from prometheus.yml only by the inference replicas as the targets of inference-service.
     */
    @Test
    void clusterPrometheusScrapesBothInferenceReplicas() throws Exception {
        JsonNode cluster = compose("docker-compose.yml", CLUSTER);
        Path monitoring = ServiceConfig.root().resolve("deploy/monitoring");
        List<String> mounts = new ArrayList<>();
        iterable(cluster.at("/services/prometheus/volumes")).forEach(v -> mounts.add(v.asText()));
        assertThat(mounts)
                .filteredOn(m -> m.contains(":/etc/prometheus/prometheus.yml:"))
                .containsExactly(
                        monitoring.resolve("prometheus-cluster.yml")
                                + ":/etc/prometheus/prometheus.yml:ro");
        JsonNode single = YAML.readTree(monitoring.resolve("prometheus.yml").toFile());
        int port = ServiceConfig.all().get("inference-service").port();
        for (JsonNode job : single.get("scrape_configs")) {
            if (job.get("job_name").asText().equals("inference-service")) {
                ArrayNode targets = (ArrayNode) job.at("/static_configs/0/targets");
                targets.removeAll();
                inferenceReplicas(cluster).keySet().forEach(r -> targets.add(r + ":" + port));
            }
        }
        assertThat(YAML.readTree(monitoring.resolve("prometheus-cluster.yml").toFile()))
                .isEqualTo(single);
    }

    /** A Prometheus configuration's jobs and their targets; each scrapes /q/metrics. */
    static Map<String, List<String>> scrapeTargets(JsonNode config) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (JsonNode job : config.get("scrape_configs")) {
            String name = job.get("job_name").asText();
            assertThat(job.path("metrics_path").asText()).as(name).isEqualTo("/q/metrics");
            List<String> targets = new ArrayList<>();
            job.get("static_configs")
                    .forEach(c -> c.get("targets").forEach(t -> targets.add(t.asText())));
            out.put(name, targets);
        }
        return out;
    }

    /** {@code 2.42.0} of the promtool on this machine (Debian's prometheus package). */
    static String hostPrometheusVersion() throws Exception {
        AlertRulesTest.Run r = AlertRulesTest.promtool("--version");
        Matcher m = Pattern.compile("version (\\d+\\.\\d+\\.\\d+)").matcher(r.output());
        assertThat(m.find()).as("promtool --version: %s", r.output()).isTrue();
        return m.group(1);
    }

    @Test
    void haproxyAcceptsTheConfiguration() throws Exception {
        Process p =
                new ProcessBuilder(
                                "haproxy",
                                "-c",
                                "-f",
                                ServiceConfig.root().resolve(HAPROXY_CONFIG).toString())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("Configuration file is valid");
    }

    /** The services that run Kafka nodes (they have a node id), by name. */
    static Map<String, JsonNode> brokers(JsonNode compose) {
        Map<String, JsonNode> out = new TreeMap<>();
        compose.get("services")
                .fields()
                .forEachRemaining(
                        s -> {
                            if (s.getValue().at("/environment/KAFKA_NODE_ID").isTextual()) {
                                out.put(s.getKey(), s.getValue());
                            }
                        });
        return out;
    }

    /** {@code id@service:port} of each node's CONTROLLER listener, by node id. */
    static String voters(Map<String, JsonNode> brokers) {
        Map<Integer, String> byId = new TreeMap<>();
        brokers.forEach(
                (name, b) -> {
                    Map<String, String> props = KafkaEnv.properties(env(b));
                    String controller =
                            Arrays.stream(props.get("listeners").split(","))
                                    .filter(l -> l.startsWith("CONTROLLER://"))
                                    .findFirst()
                                    .orElseThrow();
                    byId.put(
                            Integer.parseInt(props.get("node.id")),
                            props.get("node.id")
                                    + "@"
                                    + name
                                    + controller.substring(controller.lastIndexOf(':')));
                });
        return String.join(",", byId.values());
    }

    /** The services built as inference-service that {@code up} starts, by name. */
    static Map<String, JsonNode> inferenceReplicas(JsonNode compose) {
        Map<String, JsonNode> out = new TreeMap<>();
        compose.get("services")
                .fields()
                .forEachRemaining(
                        s -> {
                            if (s.getValue()
                                            .at("/build/target")
                                            .asText()
                                            .equals("inference-service")
                                    && !s.getValue().has("profiles")) {
                                out.put(s.getKey(), s.getValue());
                            }
                        });
        return out;
    }

    /** The frontends ./digits up --cluster gives HAProxy for inference, on these replicas. */
    static List<LoadBalancer.Frontend> frontends(Iterable<String> replicas) throws IOException {
        int http = ServiceConfig.all().get("inference-service").port();
        int grpc = Integer.parseInt(inferenceProperty("quarkus.grpc.server.port"));
        List<LoadBalancer.Server> rest = new ArrayList<>();
        List<LoadBalancer.Server> rpc = new ArrayList<>();
        for (String r : replicas) {
            rest.add(LoadBalancer.Server.of(r, http));
            rpc.add(new LoadBalancer.Server(r, grpc, http));
        }
        return List.of(
                LoadBalancer.Frontend.http("inference", http, rest).withReplay(),
                LoadBalancer.Frontend.grpc("inference-grpc", grpc, rpc).withReplay());
    }

    /**
     * An HAProxy configuration's sections ({@code listen inference}, ...) and their lines, comments
     * left out.
     */
    static Map<String, List<String>> haproxySections(String config) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<String> section = null;
        for (String line : config.lines().toList()) {
            String l = line.replaceFirst("#.*", "").strip();
            if (l.isEmpty()) {
                continue;
            }
            if (Character.isWhitespace(line.charAt(0))) {
                section.add(l);
            } else {
                section = new ArrayList<>();
                out.put(l, section);
            }
        }
        return out;
    }

    static String haproxyConfig() throws IOException {
        return Files.readString(ServiceConfig.root().resolve(HAPROXY_CONFIG));
    }

    /**
     * {@code 2.6} of the haproxy on this machine (Debian's, as ./digits deps cluster installs it).
     */
    static String hostHaproxyVersion() throws Exception {
        Process p = new ProcessBuilder("haproxy", "-v").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Matcher m = Pattern.compile("HAProxy version (\\d+\\.\\d+)\\.").matcher(out);
        assertThat(m.find()).as("haproxy -v: %s (./digits deps cluster installs it)", out).isTrue();
        return m.group(1);
    }

    static String inferenceProperty(String key) throws IOException {
        Properties p = new Properties();
        try (Reader r =
                Files.newBufferedReader(
                        ServiceConfig.root()
                                .resolve(
                                        "inference-service/src/main/resources/application.properties"))) {
            p.load(r);
        }
        return p.getProperty(key);
    }

    static Duration shutdownDelay(JsonNode service) {
        return duration(service.at("/environment/QUARKUS_SHUTDOWN_DELAY").asText());
    }

    /** {@code 3s}, {@code 500ms}, {@code 2m}: as compose and Quarkus write durations here. */
    static Duration duration(String s) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m)").matcher(s);
        assertThat(m.matches()).as("duration %s", s).isTrue();
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
    }

    /** A service's environment as compose resolved it. */
    static Map<String, String> env(JsonNode service) {
        Map<String, String> out = new TreeMap<>();
        service.path("environment")
                .fields()
                .forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /** {@code strimzi} document of kind {@code kind} in the production overlay's Kafka patch. */
    static JsonNode strimzi(String kind) throws IOException {
        Path file =
                ServiceConfig.root().resolve("deploy/overlays/production/kafka-production.yaml");
        try (MappingIterator<JsonNode> docs =
                YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            for (JsonNode doc : docs.readAll()) {
                if (doc.path("kind").asText().equals(kind)) {
                    return doc;
                }
            }
        }
        throw new AssertionError("no " + kind + " in " + file);
    }

    static Map<String, String> without(Map<String, String> env, Set<String> keys) {
        Map<String, String> out = new TreeMap<>(env);
        out.keySet().removeAll(keys);
        return out;
    }

    static Iterable<JsonNode> iterable(JsonNode node) {
        List<JsonNode> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        if (node.isArray()) {
            node.forEach(out::add);
        } else {
            node.fieldNames().forEachRemaining(n -> out.add(new TextNode(n)));
        }
        return out;
    }
}
