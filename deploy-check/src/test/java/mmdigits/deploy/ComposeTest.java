package mmdigits.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * docker-compose.yml, checked without a Docker engine: it parses and {@code docker-compose config}
 * accepts it; its services, ports, health checks and environment variables agree with each service's
 * application.properties and config mapping; the broker image has the client's major version; the
 * Dockerfile has a target per service.
 */
class ComposeTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** The file as docker-compose resolves it (anchors merged, defaults filled in, ports long form). */
    static JsonNode compose() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/docker-compose", "config").directory(ServiceConfig.root().toFile());
        pb.environment().remove("DIGITS_DATA");
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
        assertThat(tool).as("docker-compose is missing: run ./digits deps (Debian package docker-compose)").exists();
        for (List<String> files : List.of(List.of("docker-compose.yml"), List.of("docker-compose.yml", "docker-compose.gpu.yml"))) {
            List<String> cmd = new ArrayList<>(List.of(tool.toString()));
            files.forEach(f -> cmd.addAll(List.of("-f", f)));
            cmd.addAll(List.of("config", "-q"));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true);
            pb.environment().remove("DIGITS_DATA");
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
        assertThat(names).containsExactlyInAnyOrder("kafka", "ingest-service", "trainer-service", "inference-service", "viz-service");
        String dockerfile = Files.readString(ServiceConfig.root().resolve("Dockerfile"));
        for (Map.Entry<String, ServiceConfig> e : ServiceConfig.all().entrySet()) {
            String name = e.getKey();
            ServiceConfig config = e.getValue();
            JsonNode s = services.get(name);
            assertThat(s).as(name).isNotNull();
            assertThat(s.get("build").get("target").asText()).isEqualTo(name);
            assertThat(dockerfile).as("Dockerfile target").contains("AS " + name + "\n");
            assertThat(s.get("ports").get(0).get("published").asInt()).as("%s port", name).isEqualTo(config.port());
            assertThat(s.get("ports").get(0).get("target").asInt()).as("%s port", name).isEqualTo(config.port());
            String health = s.get("healthcheck").get("test").toString();
            assertThat(health).as("%s health check", name).contains("http://localhost:" + config.port() + "/q/health/");
            JsonNode env = s.get("environment");
            env.fieldNames().forEachRemaining(var -> assertThat(config.readsEnv(var))
                    .as("%s: environment variable %s is not a setting of the service", name, var).isTrue());
            assertThat(env.get("KAFKA_BOOTSTRAP_SERVERS").asText()).isEqualTo("kafka:29092");
            // nothing calls home
            assertThat(env.get("ORT_DISABLE_TELEMETRY").asText()).isEqualTo("1");
            assertThat(env.get("OPT_OUT_TRACKING").asText()).isEqualTo("true");
            assertThat(env.get("JAVA_OPTS").asText()).contains("-Dai.djl.offline=true");
            for (JsonNode dep : iterable(s.get("depends_on"))) {
                assertThat(names).contains(dep.asText());
            }
        }
        // the broker: the official image, KRaft, the clients' major version, the internal listener the services use
        JsonNode kafka = services.get("kafka");
        String tag = kafka.get("image").asText();
        assertThat(tag).startsWith("apache/kafka:");
        String client = AppInfoParser.getVersion();
        assertThat(tag.substring(tag.indexOf(':') + 1).split("\\.")[0]).isEqualTo(client.split("\\.")[0]);
        assertThat(kafka.get("environment").get("KAFKA_PROCESS_ROLES").asText()).isEqualTo("broker,controller");
        assertThat(kafka.get("environment").get("KAFKA_ADVERTISED_LISTENERS").asText()).contains("INTERNAL://kafka:29092");
        assertThat(kafka.get("environment").get("KAFKA_AUTO_CREATE_TOPICS_ENABLE").asText()).isEqualTo("false");
        assertThat(Long.parseLong(kafka.get("environment").get("KAFKA_MESSAGE_MAX_BYTES").asText()))
                .isGreaterThanOrEqualTo(mmdigits.common.Topics.MAX_MESSAGE_BYTES);
        // the gpu override reserves a GPU for the trainer
        JsonNode gpu = YAML.readTree(ServiceConfig.root().resolve("docker-compose.gpu.yml").toFile());
        assertThat(gpu.at("/services/trainer-service/deploy/resources/reservations/devices/0/capabilities/0").asText()).isEqualTo("gpu");
    }

    @Test
    void theConfigReaderSeesTheMappings() throws Exception {
        // guards the checks above: known keys of each service are found, a made-up one is not
        Map<String, ServiceConfig> all = ServiceConfig.all();
        assertThat(all.get("inference-service").readsEnv("INFERENCE_BATCH_MAX_WAIT")).isTrue();
        assertThat(all.get("inference-service").readsEnv("INFERENCE_STREAM_JOB_MODEL_WAIT")).isTrue();
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
