package mmdigits.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mmdigits.common.Topics;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml, checked without a Docker engine: it parses and {@code docker-compose config}
 * accepts it; its services, ports, health checks and environment variables agree with each
 * service's application.properties and config mapping; the broker image has the client's major
 * version; the Dockerfile has a target per service.
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
     * The file as docker-compose resolves it (anchors merged, defaults filled in, ports long form).
     */
    static JsonNode compose() throws Exception {
        ProcessBuilder pb =
                new ProcessBuilder("/usr/bin/docker-compose", "config")
                        .directory(ServiceConfig.root().toFile());
        pb.environment().remove("DIGITS_DATA");
        pb.environment().remove("DIGITS_BIND");
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
                .as("docker-compose is missing: run ./digits deps (Debian package docker-compose)")
                .exists();
        for (List<String> files :
                List.of(
                        List.of("docker-compose.yml"),
                        List.of("docker-compose.yml", "docker-compose.gpu.yml"))) {
            List<String> cmd = new ArrayList<>(List.of(tool.toString()));
            files.forEach(f -> cmd.addAll(List.of("-f", f)));
            cmd.addAll(List.of("config", "-q"));
            ProcessBuilder pb =
                    new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true);
            pb.environment().remove("DIGITS_DATA");
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
                        "viz-service");
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
            assertThat(env.has("MMDIGITS_RELEASES_VERIFY_KEY"))
                    .as("%s verifies releases", name)
                    .isEqualTo(name.equals("trainer-service") || name.equals("inference-service"));
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
