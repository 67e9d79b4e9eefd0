package mmdigits.inference.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import mmdigits.common.proto.Sample;
import mmdigits.inference.KServeJson;
import mmdigits.inference.KafkaFixtures;
import mmdigits.inference.ReferenceModel;
import mmdigits.inference.Releases;
import mmdigits.localkafka.KafkaBrokerTestResource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

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
        given().get("/v2/models/digits/ready")
                .then()
                .statusCode(200)
                .body("name", equalTo("digits"))
                .body("ready", equalTo(true));
        given().get("/v2/models/digits")
                .then()
                .statusCode(200)
                .body("name", equalTo("digits"))
                .body("versions", equalTo(List.of(version)))
                .body("platform", equalTo("onnxruntime_onnx"))
                .body("inputs.name", equalTo(List.of("image", "audio")))
                .body("inputs.datatype", equalTo(List.of("FP32", "FP32")))
                .body("inputs[0].shape", equalTo(List.of(-1, 784)))
                .body("inputs[1].shape", equalTo(List.of(-1, 507)))
                .body("outputs.name", equalTo(List.of("probabilities", "embedding")))
                .body("outputs[1].shape", equalTo(List.of(-1, ReferenceModel.D)));
        given().get("/v2/models/digits/versions/" + version).then().statusCode(200);
        given().get("/v2/models/digits/versions/nope")
                .then()
                .statusCode(404)
                .body("error", containsString("'nope' is not loaded"));
        given().get("/v2/models/mnist")
                .then()
                .statusCode(404)
                .body("error", startsWith("unknown model 'mnist'; this server serves 'digits'"));
        given().get("/v2/models/mnist/ready").then().statusCode(404);
    }

    @Test
    void inferRoundTripInTheProtocolsJson() throws Exception {
        Sample a = KafkaFixtures.sample("kserve", 1, true);
        Sample b = KafkaFixtures.sample("kserve", 2, true);
        String request =
                """
                {
                  "id": "req-42",
                  "inputs": [
                    {"name": "image", "shape": [2, 784], "datatype": "FP32", "data": %s},
                    {"name": "audio", "shape": [2, 507], "datatype": "FP32", "parameters": {}, "data": %s}
                  ]
                }"""
                        .formatted(
                                floats(KafkaFixtures.image(a), KafkaFixtures.image(b)),
                                floats(KafkaFixtures.audio(a), KafkaFixtures.audio(b)));
        String body =
                given().contentType("application/json")
                        .body(request)
                        .post("/v2/models/digits/infer")
                        .then()
                        .statusCode(200)
                        .contentType("application/json")
                        .extract()
                        .asString();
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
        assertThat(JSON.convertValue(emb.get("shape"), long[].class))
                .containsExactly(2, ReferenceModel.D);
        Sample[] rows = {a, b};
        for (int i = 0; i < 2; i++) {
            double[][] expected =
                    ref.forward(KafkaFixtures.image(rows[i]), KafkaFixtures.audio(rows[i]));
            for (int k = 0; k < 10; k++) {
                assertThat(probs.get("data").get(i * 10 + k).asDouble())
                        .isCloseTo(expected[0][k], within(1e-5));
            }
            for (int j = 0; j < ReferenceModel.D; j++) {
                assertThat(emb.get("data").get(i * ReferenceModel.D + j).asDouble())
                        .isCloseTo(expected[1][j], within(1e-4));
            }
        }
    }

    @Test
    void nestedDataOneInputAndChosenOutputs() throws Exception {
        Sample a = KafkaFixtures.sample("kserve", 3, true);
        String nested = "[" + JSON.writeValueAsString(KafkaFixtures.image(a)) + "]";
        String request =
                """
                {"inputs": [{"name": "image", "shape": [1, 784], "datatype": "FP32", "data": %s}],
                 "outputs": [{"name": "probabilities"}]}"""
                        .formatted(nested);
        JsonNode r =
                JSON.readTree(
                        given().contentType("application/json")
                                .body(request)
                                .post("/v2/models/digits/versions/" + version + "/infer")
                                .then()
                                .statusCode(200)
                                .extract()
                                .asString());
        assertThat(r.has("id")).isFalse();
        assertThat(r.get("outputs")).hasSize(1);
        double[] expected = ref.forward(KafkaFixtures.image(a), null)[0];
        for (int k = 0; k < 10; k++) {
            assertThat(r.get("outputs").get(0).get("data").get(k).asDouble())
                    .isCloseTo(expected[k], within(1e-5));
        }
    }

    @Test
    void errorsAreTheProtocolsErrorObject() throws Exception {
        String z = floats(new float[784]);
        record Case(String body, int status, String error) {}
        List<Case> cases =
                List.of(
                        new Case("{\"inputs\": [", 400, "malformed JSON"),
                        new Case("[]", 400, "the body must be a JSON object with 'inputs'"),
                        new Case(
                                "{\"inputs\": []}",
                                400,
                                "'inputs' must be a non-empty array of tensors"),
                        new Case(
                                "{\"inputs\": [{\"name\": \"pixels\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": "
                                        + z
                                        + "}]}",
                                400,
                                "inputs[0].name: unknown input 'pixels' (expected 'image' and/or 'audio')"),
                        new Case(
                                "{\"inputs\": [{\"name\": \"image\", \"shape\": [1, 784], \"datatype\": \"INT64\", \"data\": "
                                        + z
                                        + "}]}",
                                400,
                                "inputs[0].datatype: input 'image' must be FP32 or UINT8, got INT64"),
                        new Case(
                                "{\"inputs\": [{\"name\": \"image\", \"shape\": [1, 783], \"datatype\": \"FP32\", \"data\": "
                                        + z
                                        + "}]}",
                                400,
                                "inputs[0].shape: [1,783] but input 'image' is [N,784] with N >= 1"),
                        new Case(
                                "{\"inputs\": [{\"name\": \"image\", \"shape\": [2, 784], \"datatype\": \"FP32\", \"data\": "
                                        + z
                                        + "}]}",
                                400,
                                "inputs[0].data: 784 values for shape [2,784] (1568 expected)"),
                        new Case(
                                "{\"inputs\": [{\"name\": \"image\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": [\"a\"]}]}",
                                400,
                                "inputs[0].data[0]: \"a\" is not a number"),
                        new Case(
                                "{\"inputs\": [{\"name\": \"image\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": "
                                        + z.replaceFirst("0\\.0", "1e39")
                                        + "}]}",
                                400,
                                "inputs[0].data[0]: 1e39 is not a finite FP32 number"),
                        new Case(
                                "{\"inputs\": [{\"name\": \"image\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": "
                                        + z
                                        + "},"
                                        + "{\"name\": \"audio\", \"shape\": [2, 507], \"datatype\": \"FP32\", \"data\": []}]}",
                                400,
                                "inputs[1].shape: 2 rows, but the other input has 1"),
                        new Case(
                                "{\"inputs\": [{\"name\": \"image\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": "
                                        + z
                                        + "}],"
                                        + "\"outputs\": [{\"name\": \"logits\"}]}",
                                400,
                                "outputs[0].name: unknown output 'logits' (probabilities, embedding)"),
                        new Case(
                                "{\"inputs\": [{\"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": "
                                        + z
                                        + "}]}",
                                400,
                                "inputs[0].name: missing (a string)"),
                        // hostile: a shape claiming a billion rows, values past the limit (read as
                        // a stream, refused at the first one
                        // too many), data before its shape
                        new Case(
                                "{\"inputs\": [{\"name\": \"image\", \"shape\": [1000000000, 784], \"datatype\": \"FP32\", \"data\": []}]}",
                                400,
                                "inputs[0].shape[0]: 1000000000 instances in one request, at most 1024"),
                        new Case(
                                "{\"inputs\": [{\"data\": ["
                                        + "0,".repeat(1024 * 784)
                                        + "0], \"name\": \"image\"}]}",
                                400,
                                "inputs[0].data: more than 802816 values (inference.http.max-instances rows of 784)"),
                        new Case(
                                "{\"inputs\": [{\"data\": "
                                        + z
                                        + ", \"datatype\": \"FP32\", \"shape\": [1, 784]}]}",
                                400,
                                "inputs[0].name: missing (a string)"),
                        new Case(
                                "{\"inputs\": [{\"name\": \"image\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": "
                                        + "[".repeat(20)
                                        + "0"
                                        + "]".repeat(20)
                                        + "}]}",
                                400,
                                "malformed JSON"));
        for (Case c : cases) {
            given().contentType("application/json")
                    .body(c.body())
                    .post("/v2/models/digits/infer")
                    .then()
                    .statusCode(c.status())
                    .contentType("application/json")
                    .body(
                            "error",
                            c.error().equals("malformed JSON")
                                    ? containsString(c.error())
                                    : equalTo(c.error()));
        }
        given().contentType("application/json")
                .body("{}")
                .post("/v2/models/mnist/infer")
                .then()
                .statusCode(404)
                .body("error", containsString("unknown model 'mnist'"));
    }

    /**
     * The request and answer of the binary tensor data extension: a JSON header, then raw
     * little-endian values.
     */
    static byte[] binaryBody(String header, byte[]... raw) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b =
                ByteBuffer.allocate(h.length + Arrays.stream(raw).mapToInt(r -> r.length).sum());
        b.put(h);
        for (byte[] r : raw) {
            b.put(r);
        }
        return b.array();
    }

    static byte[] le(float[]... rows) {
        ByteBuffer b =
                ByteBuffer.allocate(Arrays.stream(rows).mapToInt(r -> r.length).sum() * 4)
                        .order(ByteOrder.LITTLE_ENDIAN);
        for (float[] r : rows) {
            for (float v : r) {
                b.putFloat(v);
            }
        }
        return b.array();
    }

    /** An image of whole numbers 0..255, as x_test_wr.npy holds. */
    static float[] wholeImage(Sample s) {
        float[] img = KafkaFixtures.image(s);
        for (int i = 0; i < img.length; i++) {
            img[i] = Math.round(Math.min(255, Math.max(0, img[i] * 255)));
        }
        return img;
    }

    @Test
    void binaryTensorDataAnswersWhatJsonAnswers() throws Exception {
        Sample a = KafkaFixtures.sample("kserve", 4, true);
        Sample b = KafkaFixtures.sample("kserve", 5, true);
        float[] img = KServeJson.images(a, b);
        float[] aud = KServeJson.audio(a, b);
        float[][] json = KServeJson.answer(img, aud);
        String header =
                """
                {"id": "bin-1", "inputs": [
                  {"name": "image", "shape": [2, 784], "datatype": "FP32", "parameters": {"binary_data_size": %d}},
                  {"name": "audio", "shape": [2, 507], "datatype": "FP32", "parameters": {"binary_data_size": %d}}],
                 "outputs": [{"name": "probabilities", "parameters": {"binary_data": true}}, {"name": "embedding"}]}"""
                        .formatted(img.length * 4, aud.length * 4);
        var res =
                given().header(
                                "Inference-Header-Content-Length",
                                header.getBytes(StandardCharsets.UTF_8).length)
                        .contentType("application/octet-stream")
                        .body(binaryBody(header, le(img), le(aud)))
                        .post("/v2/models/digits/infer")
                        .then()
                        .statusCode(200)
                        .contentType("application/octet-stream")
                        .extract();
        int headerLength = Integer.parseInt(res.header("Inference-Header-Content-Length"));
        byte[] body = res.asByteArray();
        JsonNode h = JSON.readTree(Arrays.copyOf(body, headerLength));
        assertThat(h.get("id").asText()).isEqualTo("bin-1");
        JsonNode probs = h.get("outputs").get(0);
        assertThat(probs.has("data")).isFalse();
        assertThat(probs.get("parameters").get("binary_data_size").asInt()).isEqualTo(2 * 10 * 4);
        assertThat(body.length).isEqualTo(headerLength + 80);
        float[] raw = new float[20];
        ByteBuffer.wrap(body, headerLength, 80)
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .get(raw);
        assertThat(raw).containsExactly(json[0], within(1e-6f));
        assertThat(JSON.convertValue(h.get("outputs").get(1).get("data"), float[].class))
                .containsExactly(json[1], within(1e-6f));
        double[] expected = ref.forward(KafkaFixtures.image(a), KafkaFixtures.audio(a))[0];
        for (int k = 0; k < 10; k++) {
            assertThat((double) raw[k]).isCloseTo(expected[k], within(1e-5));
        }

        // every output binary by the request's binary_data_output, on the versioned route
        String all =
                """
                {"parameters": {"binary_data_output": true}, "inputs": [
                  {"name": "image", "shape": [2, 784], "datatype": "FP32", "parameters": {"binary_data_size": %d}},
                  {"name": "audio", "shape": [2, 507], "datatype": "FP32", "data": %s}]}"""
                        .formatted(img.length * 4, floats(aud));
        var both =
                given().header(
                                "Inference-Header-Content-Length",
                                all.getBytes(StandardCharsets.UTF_8).length)
                        .body(binaryBody(all, le(img)))
                        .post("/v2/models/digits/versions/" + version + "/infer")
                        .then()
                        .statusCode(200)
                        .extract();
        body = both.asByteArray();
        int at = Integer.parseInt(both.header("Inference-Header-Content-Length"));
        h = JSON.readTree(Arrays.copyOf(body, at));
        float[] p = new float[20];
        float[] e = new float[2 * ReferenceModel.D];
        ByteBuffer bb = ByteBuffer.wrap(body, at, body.length - at).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().get(p);
        bb.position(at + 80);
        bb.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(e);
        assertThat(p).containsExactly(json[0], within(1e-6f));
        assertThat(e).containsExactly(json[1], within(1e-6f));
        assertThat(h.get("outputs").get(1).get("parameters").get("binary_data_size").asInt())
                .isEqualTo(e.length * 4);
    }

    @Test
    void uint8ImagesAreTheSameFloats() throws Exception {
        Sample a = KafkaFixtures.sample("kserve", 6, true);
        Sample b = KafkaFixtures.sample("kserve", 7, true);
        float[] img = KServeJson.concat(wholeImage(a), wholeImage(b));
        float[] aud = KServeJson.audio(a, b);
        float[][] json = KServeJson.answer(img, aud);
        StringBuilder ints = new StringBuilder();
        byte[] bytes = new byte[img.length];
        for (int i = 0; i < img.length; i++) {
            ints.append(i > 0 ? "," : "").append((int) img[i]);
            bytes[i] = (byte) (int) img[i];
        }
        String asJson =
                """
                {"inputs": [{"name": "image", "shape": [2, 784], "datatype": "UINT8", "data": [%s]},
                            {"name": "audio", "shape": [2, 507], "datatype": "FP32", "data": %s}]}"""
                        .formatted(ints, floats(aud));
        JsonNode r =
                JSON.readTree(
                        given().contentType("application/json")
                                .body(asJson)
                                .post("/v2/models/digits/infer")
                                .then()
                                .statusCode(200)
                                .extract()
                                .asString());
        assertThat(JSON.convertValue(r.get("outputs").get(0).get("data"), float[].class))
                .containsExactly(json[0], within(1e-6f));
        String header =
                """
                {"inputs": [{"name": "image", "shape": [2, 784], "datatype": "UINT8", "parameters": {"binary_data_size": %d}},
                            {"name": "audio", "shape": [2, 507], "datatype": "FP32", "parameters": {"binary_data_size": %d}}]}"""
                        .formatted(bytes.length, aud.length * 4);
        r =
                JSON.readTree(
                        given().header("Inference-Header-Content-Length", header.length())
                                .body(binaryBody(header, bytes, le(aud)))
                                .post("/v2/models/digits/infer")
                                .then()
                                .statusCode(200)
                                .contentType("application/json")
                                .extract()
                                .asString());
        assertThat(JSON.convertValue(r.get("outputs").get(0).get("data"), float[].class))
                .containsExactly(json[0], within(1e-6f));
        assertThat(JSON.convertValue(r.get("outputs").get(1).get("data"), float[].class))
                .containsExactly(json[1], within(1e-6f));
    }

    @Test
    void badBinaryRequestsAreNamed() {
        String one =
                """
                {"inputs": [{"name": "image", "shape": [1, 784], "datatype": "FP32", "parameters": {"binary_data_size": 3136}}]}""";
        int n = one.length();
        record Case(String lengthHeader, byte[] body, String error) {}
        List<Case> cases =
                List.of(
                        new Case(
                                null,
                                binaryBody(one, new byte[3136]),
                                "inputs[0].parameters.binary_data_size: binary data needs the "
                                        + "Inference-Header-Content-Length header"),
                        new Case(
                                null,
                                binaryBody(
                                        one.replace("\"binary_data_size\": 3136", ""),
                                        new byte[3136]),
                                "malformed JSON: content after the request object"),
                        new Case(
                                "" + (n + 2),
                                binaryBody(one + "{}", new byte[3136]),
                                "malformed JSON: content after the request object"),
                        new Case(
                                "" + n,
                                binaryBody(one, new byte[3135]),
                                "inputs[0].parameters.binary_data_size: 3136 bytes, but the body ends after 3135"),
                        new Case(
                                "" + n,
                                binaryBody(one, new byte[3140]),
                                "the body has bytes after the binary data of the inputs"),
                        new Case(
                                "" + (n + 100000),
                                binaryBody(one, new byte[3136]),
                                "Inference-Header-Content-Length: "
                                        + (n + 100000)
                                        + " bytes of JSON header, but the body has only "
                                        + (n + 3136)),
                        new Case(
                                "lots",
                                binaryBody(one, new byte[3136]),
                                "Inference-Header-Content-Length: 'lots' is not a byte count"),
                        new Case(
                                "" + n,
                                binaryBody(one.replace("3136", "3135"), new byte[3135]),
                                "inputs[0]: 3135 bytes of FP32 is not a whole number of 4-byte elements"),
                        new Case(
                                "" + (n + 1),
                                binaryBody(one.replace("FP32", "UINT8"), new byte[3136]),
                                "inputs[0].data: 3136 values for shape [1,784] (784 expected)"),
                        new Case(
                                "" + n,
                                binaryBody(one.replace("FP32", "FP16"), new byte[3136]),
                                "inputs[0].datatype: input 'image' must be FP32 or UINT8, got FP16"));
        for (Case c : cases) {
            var req = given().body(c.body());
            if (c.lengthHeader() != null) {
                req = req.header("Inference-Header-Content-Length", c.lengthHeader());
            }
            req.post("/v2/models/digits/infer")
                    .then()
                    .statusCode(400)
                    .contentType("application/json")
                    .body("error", startsWith(c.error()));
        }
        String json =
                """
                {"inputs": [{"name": "image", "shape": [1, 784], "datatype": "FP32", "parameters": {"binary_data_size": 3136}}]}""";
        given().contentType("application/json")
                .body(json)
                .post("/v2/models/digits/infer")
                .then()
                .statusCode(400)
                .body(
                        "error",
                        equalTo(
                                "inputs[0].parameters.binary_data_size: binary data needs the Inference-Header-Content-Length header "
                                        + "(the length of the JSON part)"));
        String audio =
                """
                {"inputs": [{"name": "audio", "shape": [1, 507], "datatype": "UINT8", "data": [%s]}]}"""
                        .formatted("1,".repeat(506) + "1");
        given().contentType("application/json")
                .body(audio)
                .post("/v2/models/digits/infer")
                .then()
                .statusCode(400)
                .body(
                        "error",
                        equalTo("inputs[0].datatype: input 'audio' must be FP32, got UINT8"));
        String notByte =
                """
                {"inputs": [{"name": "image", "shape": [1, 784], "datatype": "UINT8", "data": [%s]}]}"""
                        .formatted("0,".repeat(783) + "256");
        given().contentType("application/json")
                .body(notByte)
                .post("/v2/models/digits/infer")
                .then()
                .statusCode(400)
                .body(
                        "error",
                        equalTo(
                                "inputs[0].data[783]: 256.0 is not a UINT8 (a whole number 0..255)"));
    }

    /**
     * Every route of the protocol's REST API (kserve/open-inference-protocol, inference_rest.md:
     * server live, ready, metadata; model metadata, ready, infer — each with and without
     * /versions/{v}) answers with the fields the protocol gives it.
     */
    @Test
    void everyRouteOfTheProtocolAnswers() throws Exception {
        String z = floats(new float[784]);
        String infer =
                "{\"inputs\": [{\"name\": \"image\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": "
                        + z
                        + "}]}";
        record Route(String method, String path, List<String> fields) {}
        String v = "/versions/" + version;
        List<Route> routes =
                List.of(
                        new Route("GET", "/v2/health/live", List.of("live")),
                        new Route("GET", "/v2/health/ready", List.of("ready")),
                        new Route("GET", "/v2", List.of("name", "version", "extensions")),
                        new Route(
                                "GET",
                                "/v2/models/digits",
                                List.of("name", "versions", "platform", "inputs", "outputs")),
                        new Route(
                                "GET",
                                "/v2/models/digits" + v,
                                List.of("name", "versions", "platform", "inputs", "outputs")),
                        new Route("GET", "/v2/models/digits/ready", List.of("name", "ready")),
                        new Route(
                                "GET",
                                "/v2/models/digits" + v + "/ready",
                                List.of("name", "ready")),
                        new Route(
                                "POST",
                                "/v2/models/digits/infer",
                                List.of("model_name", "model_version", "outputs")),
                        new Route(
                                "POST",
                                "/v2/models/digits" + v + "/infer",
                                List.of("model_name", "model_version", "outputs")));
        for (Route r : routes) {
            var req = given().contentType("application/json");
            String body =
                    (r.method().equals("GET") ? req.get(r.path()) : req.body(infer).post(r.path()))
                            .then()
                            .statusCode(200)
                            .contentType("application/json")
                            .extract()
                            .asString();
            JsonNode node = JSON.readTree(body);
            for (String f : r.fields()) {
                assertThat(node.has(f))
                        .as("%s %s has '%s': %s", r.method(), r.path(), f, body)
                        .isTrue();
            }
        }
        given().get("/v2")
                .then()
                .body("extensions", equalTo(List.of("binary_tensor_data", "model_repository")));
        given().get("/v2/models/digits/versions/nope/ready")
                .then()
                .statusCode(404)
                .body("error", containsString("'nope' is not loaded"));
        given().contentType("application/json")
                .body(infer)
                .post("/v2/models/digits/versions/nope/infer")
                .then()
                .statusCode(404);
    }
}
