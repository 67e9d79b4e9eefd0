package mmdigits.trainer.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import mmdigits.common.Topics;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.common.proto.ModelRelease;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.TopicReader;
import mmdigits.trainer.messaging.KafkaOutput;
import mmdigits.trainer.onnx.OnnxExporter;
import mmdigits.trainer.onnx.OrtRunner;
import mmdigits.trainer.training.Fixtures;

/**
 * Through the real broker: samples on digits.samples.train → POST /trainings → a release on
 * digits.models. Runs in failsafe (its own JVM): Quarkus loads the PyTorch natives in its class
 * loader, and a JVM can load them only once.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class TrainingFlowIT {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void publishTrainRelease() throws Exception {
        TopicAdmin.ensureTopics(bootstrap, Duration.ofSeconds(30));
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 300; i++) {
                var s = Fixtures.sample("flow", i, 3);
                p.send(new ProducerRecord<>(Topics.SAMPLES_TRAIN, s.getId(), s.toByteArray()));
            }
            // a poison record: dead-lettered with its reason, the load goes on
            p.send(new ProducerRecord<>(Topics.SAMPLES_TRAIN, "flow/train/poison", "not a sample".getBytes(StandardCharsets.UTF_8)));
            // a re-delivered sample: counted once
            var again = Fixtures.sample("flow", 7, 3);
            p.send(new ProducerRecord<>(Topics.SAMPLES_TRAIN, again.getId(), again.toByteArray()));
        }

        String id = given().contentType(ContentType.JSON).body("{\"dataset\": \"flow\", \"epochs\": 3, \"batchSize\": 32}")
                .when().post("/trainings").then().statusCode(202).extract().path("id");
        given().contentType(ContentType.JSON).body("{}").post("/trainings").then().statusCode(409)
                .contentType("application/problem+json").body("detail", org.hamcrest.Matchers.containsString(id));

        JsonPath run = null;
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            run = given().get("/trainings/" + id).then().statusCode(200).extract().jsonPath();
            if (List.of("RELEASED", "FAILED").contains(run.getString("state"))) {
                break;
            }
            Thread.sleep(300);
        }
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("RELEASED");
        assertThat(run.getLong("trainSamples") + run.getLong("validationSamples")).isEqualTo(300);
        assertThat(run.getList("history")).hasSize(3);
        assertThat(run.getDouble("metrics.export_max_abs_delta")).isLessThanOrEqualTo(1e-4);
        String version = run.getString("modelVersion");

        List<ConsumerRecord<String, byte[]>> models = TopicReader.readAll(bootstrap, Topics.MODELS, "read_committed");
        ModelRelease release = null;
        for (ConsumerRecord<String, byte[]> r : models) {
            ModelRelease m = ModelRelease.parseFrom(r.value());
            if (m.getVersion().equals(version)) {
                assertThat(r.key()).isEqualTo("digits");
                release = m;
            }
        }
        assertThat(release).as("release %s on %s", version, Topics.MODELS).isNotNull();
        assertThat(release.getEmbeddingDim()).isEqualTo(32);
        assertThat(release.getBlankAudioCount()).isEqualTo(507);
        var s = Fixtures.sample("flow", 5000, 9);
        float[] img = Fixtures.image(s);
        float[] aud = Fixtures.audio(s);
        try (OrtRunner ort = new OrtRunner(release.getOnnx().toByteArray())) {
            Map<String, float[]> out = ort.run(Map.of("image", img, "audio", aud),
                    Map.of("image", new long[] {1, 784}, "audio", new long[] {1, 507}), OnnxExporter.PROBABILITIES,
                    OnnxExporter.EMBEDDING);
            assertThat(out.get(OnnxExporter.PROBABILITIES)).hasSize(10);
            assertThat(out.get(OnnxExporter.EMBEDDING)).hasSize(32);
        }
        byte[] served = given().get("/models/latest/model.onnx").then().statusCode(200).extract().asByteArray();
        assertThat(served).isEqualTo(release.getOnnx().toByteArray());
        given().get("/models/latest").then().statusCode(200).body("version", equalTo(version));

        // one TrainingProgress event per epoch and a TrainingResult naming the version, keyed by the run id
        List<mmdigits.common.proto.Event> events = new java.util.ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(bootstrap, Topics.EVENTS, "read_committed")) {
            if (id.equals(r.key())) {
                events.add(mmdigits.common.proto.Event.parseFrom(r.value()));
            }
        }
        assertThat(events.stream().filter(e -> e.hasTrainingProgress()).map(e -> e.getTrainingProgress().getEpoch()))
                .containsExactly(1, 2, 3);
        assertThat(events.stream().filter(e -> e.hasTrainingResult()).map(e -> e.getTrainingResult().getModelVersion()))
                .containsExactly(version);

        List<ConsumerRecord<String, byte[]>> dead = TopicReader.readAll(bootstrap, Topics.DEAD_LETTER, "read_committed").stream()
                .filter(r -> "flow/train/poison".equals(r.key())).toList();
        assertThat(dead).hasSize(1);
        assertThat(new String(dead.get(0).headers().lastHeader(mmdigits.common.kafka.DeadLetters.REASON).value(), StandardCharsets.UTF_8))
                .startsWith("undecodable Sample");
    }

    @Test
    void badRequestsAndUnknownRuns() {
        given().contentType(ContentType.JSON).body("{\"epochs\": 0}").post("/trainings").then().statusCode(400)
                .body("field", equalTo("epochs"));
        given().get("/trainings/nope").then().statusCode(404).contentType("application/problem+json");
    }
}
