package mmdigits.inference.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import java.util.List;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import mmdigits.common.proto.Sample;
import mmdigits.inference.KafkaFixtures;
import mmdigits.inference.ReferenceModel;
import mmdigits.inference.Releases;
import mmdigits.localkafka.KafkaBrokerTestResource;

/** The KServe v2 / Open Inference Protocol REST surface, spoken in the protocol's own JSON. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@Order(3)
class KServeResourceTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    String version;
    ReferenceModel ref;

    @BeforeEach
    void model() throws Exception {
        version = Releases.ensureLoaded(bootstrap);
        ref = Releases.MODELS.get(version);
    }

    static String floats(float[]... rows) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (float[] r : rows) {
            String s = JSON.writeValueAsString(r);
            sb.append(sb.isEmpty() ? "" : ",").append(s, 1, s.length() - 1);
        }
        return "[" + sb + "]";
    }

    @Test
    void healthAndMetadata() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/v2").then().statusCode(200).body("name", equalTo("mmdigits-inference"));
        given().get("/v2/health/live").then().statusCode(200).body("live", equalTo(true));
        given().get("/v2/health/ready").then().statusCode(200).body("ready", equalTo(true));
        given().get("/v2/models/digits/ready").then().statusCode(200).body("name", equalTo("digits")).body("ready", equalTo(true));
        given().get("/v2/models/digits").then().statusCode(200).body("name", equalTo("digits"))
                .body("versions", equalTo(List.of(version))).body("platform", equalTo("onnxruntime_onnx"))
                .body("inputs.name", equalTo(List.of("image", "audio"))).body("inputs.datatype", equalTo(List.of("FP32", "FP32")))
                .body("inputs[0].shape", equalTo(List.of(-1, 784))).body("inputs[1].shape", equalTo(List.of(-1, 507)))
                .body("outputs.name", equalTo(List.of("probabilities", "embedding")))
                .body("outputs[1].shape", equalTo(List.of(-1, ReferenceModel.D)));
        given().get("/v2/models/digits/versions/" + version).then().statusCode(200);
        given().get("/v2/models/digits/versions/nope").then().statusCode(404).body("error", containsString("'nope' is not loaded"));
        given().get("/v2/models/mnist").then().statusCode(404).body("error", startsWith("unknown model 'mnist'; this server serves 'digits'"));
        given().get("/v2/models/mnist/ready").then().statusCode(404);
    }

    @Test
    void inferRoundTripInTheProtocolsJson() throws Exception {
        Sample a = KafkaFixtures.sample("kserve", 1, true);
        Sample b = KafkaFixtures.sample("kserve", 2, true);
        String request = """
                {
                  "id": "req-42",
                  "inputs": [
                    {"name": "image", "shape": [2, 784], "datatype": "FP32", "data": %s},
                    {"name": "audio", "shape": [2, 507], "datatype": "FP32", "parameters": {}, "data": %s}
                  ]
                }""".formatted(floats(KafkaFixtures.image(a), KafkaFixtures.image(b)), floats(KafkaFixtures.audio(a), KafkaFixtures.audio(b)));
        String body = given().contentType("application/json").body(request).post("/v2/models/digits/infer").then().statusCode(200)
                .contentType("application/json").extract().asString();
        JsonNode r = JSON.readTree(body);
        assertThat(r.get("model_name").asText()).isEqualTo("digits");
        assertThat(r.get("model_version").asText()).isEqualTo(version);
        assertThat(r.get("id").asText()).isEqualTo("req-42");
        assertThat(r.get("outputs")).hasSize(2);
        JsonNode probs = r.get("outputs").get(0);
        assertThat(probs.get("name").asText()).isEqualTo("probabilities");
        assertThat(probs.get("datatype").asText()).isEqualTo("FP32");
        assertThat(JSON.convertValue(probs.get("shape"), long[].class)).containsExactly(2, 10);
        assertThat(probs.get("data")).hasSize(20);
        JsonNode emb = r.get("outputs").get(1);
        assertThat(emb.get("name").asText()).isEqualTo("embedding");
        assertThat(JSON.convertValue(emb.get("shape"), long[].class)).containsExactly(2, ReferenceModel.D);
        Sample[] rows = {a, b};
        for (int i = 0; i < 2; i++) {
            double[][] expected = ref.forward(KafkaFixtures.image(rows[i]), KafkaFixtures.audio(rows[i]));
            for (int k = 0; k < 10; k++) {
                assertThat(probs.get("data").get(i * 10 + k).asDouble()).isCloseTo(expected[0][k], within(1e-5));
            }
            for (int j = 0; j < ReferenceModel.D; j++) {
                assertThat(emb.get("data").get(i * ReferenceModel.D + j).asDouble()).isCloseTo(expected[1][j], within(1e-4));
            }
        }
    }

    @Test
    void nestedDataOneInputAndChosenOutputs() throws Exception {
        Sample a = KafkaFixtures.sample("kserve", 3, true);
        String nested = "[" + JSON.writeValueAsString(KafkaFixtures.image(a)) + "]";
        String request = """
                {"inputs": [{"name": "image", "shape": [1, 784], "datatype": "FP32", "data": %s}],
                 "outputs": [{"name": "probabilities"}]}""".formatted(nested);
        JsonNode r = JSON.readTree(given().contentType("application/json").body(request).post("/v2/models/digits/versions/" + version + "/infer")
                .then().statusCode(200).extract().asString());
        assertThat(r.has("id")).isFalse();
        assertThat(r.get("outputs")).hasSize(1);
        double[] expected = ref.forward(KafkaFixtures.image(a), null)[0];
        for (int k = 0; k < 10; k++) {
            assertThat(r.get("outputs").get(0).get("data").get(k).asDouble()).isCloseTo(expected[k], within(1e-5));
        }
    }

    @Test
    void errorsAreTheProtocolsErrorObject() throws Exception {
        String z = floats(new float[784]);
        record Case(String body, int status, String error) {
        }
        List<Case> cases = List.of(
                new Case("{\"inputs\": [", 400, "malformed JSON"),
                new Case("[]", 400, "the body must be a JSON object with 'inputs'"),
                new Case("{\"inputs\": []}", 400, "'inputs' must be a non-empty array of tensors"),
                new Case("{\"inputs\": [{\"name\": \"pixels\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": " + z + "}]}", 400,
                        "inputs[0].name: unknown input 'pixels' (expected 'image' and/or 'audio')"),
                new Case("{\"inputs\": [{\"name\": \"image\", \"shape\": [1, 784], \"datatype\": \"INT64\", \"data\": " + z + "}]}", 400,
                        "inputs[0].datatype: input 'image' must be FP32, got INT64"),
                new Case("{\"inputs\": [{\"name\": \"image\", \"shape\": [1, 783], \"datatype\": \"FP32\", \"data\": " + z + "}]}", 400,
                        "inputs[0].shape: [1,783] but input 'image' is [N,784] with N >= 1"),
                new Case("{\"inputs\": [{\"name\": \"image\", \"shape\": [2, 784], \"datatype\": \"FP32\", \"data\": " + z + "}]}", 400,
                        "inputs[0].data: 784 values for shape [2,784] (1568 expected)"),
                new Case("{\"inputs\": [{\"name\": \"image\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": [\"a\"]}]}", 400,
                        "inputs[0].data[0]: \"a\" is not a number"),
                new Case("{\"inputs\": [{\"name\": \"image\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": "
                        + z.replaceFirst("0\\.0", "1e39") + "}]}", 400, "inputs[0].data[0]: 1.0E39 is not a finite FP32 number"),
                new Case("{\"inputs\": [{\"name\": \"image\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": " + z + "},"
                        + "{\"name\": \"audio\", \"shape\": [2, 507], \"datatype\": \"FP32\", \"data\": []}]}", 400,
                        "inputs[1].shape: 2 rows, but the other input has 1"),
                new Case("{\"inputs\": [{\"name\": \"image\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": " + z + "}],"
                        + "\"outputs\": [{\"name\": \"logits\"}]}", 400, "outputs[0].name: unknown output 'logits' (probabilities, embedding)"),
                new Case("{\"inputs\": [{\"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": " + z + "}]}", 400,
                        "inputs[0].name: missing (a string)"),
                // hostile: a shape claiming a billion rows, values past the limit (read as a stream, refused at the first one
                // too many), data before its shape
                new Case("{\"inputs\": [{\"name\": \"image\", \"shape\": [1000000000, 784], \"datatype\": \"FP32\", \"data\": []}]}", 400,
                        "inputs[0].shape[0]: 1000000000 instances in one request, at most 1024"),
                new Case("{\"inputs\": [{\"data\": [" + "0,".repeat(1024 * 784) + "0], \"name\": \"image\"}]}", 400,
                        "inputs[0].data: more than 802816 values (inference.http.max-instances rows of 784)"),
                new Case("{\"inputs\": [{\"data\": " + z + ", \"datatype\": \"FP32\", \"shape\": [1, 784]}]}", 400,
                        "inputs[0].name: missing (a string)"),
                new Case("{\"inputs\": [{\"name\": \"image\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": "
                        + "[".repeat(20) + "0" + "]".repeat(20) + "}]}", 400, "malformed JSON"));
        for (Case c : cases) {
            given().contentType("application/json").body(c.body()).post("/v2/models/digits/infer").then().statusCode(c.status())
                    .contentType("application/json").body("error", c.error().equals("malformed JSON") ? containsString(c.error()) : equalTo(c.error()));
        }
        given().contentType("application/json").body("{}").post("/v2/models/mnist/infer").then().statusCode(404)
                .body("error", containsString("unknown model 'mnist'"));
    }
}
