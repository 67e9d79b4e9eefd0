package mmdigits.inference.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.imageio.ImageIO;
import mmdigits.common.audio.AudioFrontEnd;
import mmdigits.common.audio.Wav;
import mmdigits.common.proto.Sample;
import mmdigits.inference.KafkaFixtures;
import mmdigits.inference.ReferenceModel;
import mmdigits.inference.Releases;
import mmdigits.inference.image.ImageFrontEnd;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.RawHttp;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * POST /api/predictions: JSON and multipart, values against the reference model, and every 4xx
 * case.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@Order(2)
class PredictionResourceTest {
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

    static String body(float[] image, float[] audio) throws Exception {
        StringBuilder sb = new StringBuilder("{");
        if (image != null) {
            sb.append("\"image\":").append(JSON.writeValueAsString(image));
        }
        if (audio != null) {
            sb.append(image != null ? "," : "")
                    .append("\"audio\":")
                    .append(JSON.writeValueAsString(audio));
        }
        return sb.append('}').toString();
    }

    void assertMatches(JsonPath p, String prefix, float[] image, float[] audio) {
        double[][] expected = ref.forward(image, audio);
        List<Float> probs = p.getList(prefix + "probabilities", Float.class);
        assertThat(probs).hasSize(10);
        for (int k = 0; k < 10; k++) {
            assertThat((double) probs.get(k)).isCloseTo(expected[0][k], within(1e-5));
        }
        assertThat(p.getInt(prefix + "label")).isEqualTo(ref.label(image, audio));
    }

    @Test
    void oneSampleWithBothModalities() throws Exception {
        Sample s = KafkaFixtures.sample("http", 3, true);
        JsonPath p =
                given().contentType(ContentType.JSON)
                        .body(body(KafkaFixtures.image(s), KafkaFixtures.audio(s)))
                        .post("/api/predictions?embedding=true")
                        .then()
                        .statusCode(200)
                        .body("modalities", equalTo(List.of("image", "audio")))
                        .body("note", nullValue())
                        .body("modelVersion", equalTo(version))
                        .extract()
                        .jsonPath();
        assertMatches(p, "", KafkaFixtures.image(s), KafkaFixtures.audio(s));
        List<Float> e = p.getList("embedding", Float.class);
        double[] h = ref.forward(KafkaFixtures.image(s), KafkaFixtures.audio(s))[1];
        assertThat(e).hasSize(ReferenceModel.D);
        for (int j = 0; j < h.length; j++) {
            assertThat((double) e.get(j)).isCloseTo(h[j], within(1e-4));
        }
        // without ?embedding the vector is left out
        given().contentType(ContentType.JSON)
                .body(body(KafkaFixtures.image(s), KafkaFixtures.audio(s)))
                .post("/api/predictions")
                .then()
                .statusCode(200)
                .body("embedding", nullValue());
    }

    @Test
    void eitherModalityAloneIsScoredWithTheOtherBlankedAndSaysSo() throws Exception {
        Sample s = KafkaFixtures.sample("http", 4, true);
        JsonPath img =
                given().contentType(ContentType.JSON)
                        .body(body(KafkaFixtures.image(s), null))
                        .post("/api/predictions")
                        .then()
                        .statusCode(200)
                        .body("modalities", equalTo(List.of("image")))
                        .body(
                                "note",
                                equalTo(
                                        "audio missing: scored from the image alone (the model was trained with one modality "
                                                + "blanked; validation accuracy image-only 0.4000)"))
                        .extract()
                        .jsonPath();
        assertMatches(img, "", KafkaFixtures.image(s), null);
        JsonPath aud =
                given().contentType(ContentType.JSON)
                        .body(body(null, KafkaFixtures.audio(s)))
                        .post("/api/predictions")
                        .then()
                        .statusCode(200)
                        .body("modalities", equalTo(List.of("audio")))
                        .body("note", startsWith("image missing"))
                        .extract()
                        .jsonPath();
        assertMatches(aud, "", null, KafkaFixtures.audio(s));
    }

    @Test
    void instancesAreAnsweredInOrder() throws Exception {
        StringBuilder sb = new StringBuilder("{\"instances\":[");
        Sample[] xs = new Sample[5];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = KafkaFixtures.sample("batch", i, true);
            sb.append(i > 0 ? "," : "")
                    .append(
                            body(
                                    KafkaFixtures.image(xs[i]),
                                    i == 2 ? null : KafkaFixtures.audio(xs[i])));
        }
        JsonPath p =
                given().contentType(ContentType.JSON)
                        .body(sb.append("]}").toString())
                        .post("/api/predictions")
                        .then()
                        .statusCode(200)
                        .body("modelVersion", equalTo(version))
                        .body("predictions", hasSize(5))
                        .body("predictions[2].modalities", equalTo(List.of("image")))
                        .extract()
                        .jsonPath();
        for (int i = 0; i < xs.length; i++) {
            assertMatches(
                    p,
                    "predictions[" + i + "].",
                    KafkaFixtures.image(xs[i]),
                    i == 2 ? null : KafkaFixtures.audio(xs[i]));
        }
    }

    static byte[] png() throws Exception {
        BufferedImage img = new BufferedImage(300, 300, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 300, 300);
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(25));
        g.drawOval(90, 60, 120, 180);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    static byte[] wav() {
        float[] x = new float[22050];
        for (int i = 0; i < x.length; i++) {
            double t = i / 22050.0;
            x[i] =
                    (float)
                            (t > 0.3 && t < 0.7
                                    ? 0.5
                                            * Math.sin(2 * Math.PI * 440 * t)
                                            * Math.sin(Math.PI * (t - 0.3) / 0.4)
                                    : 0.001 * Math.sin(i));
        }
        return Wav.encodePcm16(x, 22050);
    }

    @Test
    void filesGoThroughTheFrontEnds() throws Exception {
        byte[] png = png();
        byte[] wav = wav();
        float[] image =
                ImageFrontEnd.fromBytes(
                        png, "image", new ImageFrontEnd.Limits(4_000_000, 48_000_000));
        float[] audio = AudioFrontEnd.fromWav(wav, "audio");
        JsonPath p =
                given().multiPart("image", "zero.png", png, "image/png")
                        .multiPart("audio", "zero.wav", wav, "audio/wav")
                        .post("/api/predictions")
                        .then()
                        .statusCode(200)
                        .body("modalities", equalTo(List.of("image", "audio")))
                        .extract()
                        .jsonPath();
        assertMatches(p, "", image, audio);
        JsonPath onlyImage =
                given().multiPart("image", "zero.png", png, "image/png")
                        .post("/api/predictions")
                        .then()
                        .statusCode(200)
                        .body("modalities", equalTo(List.of("image")))
                        .extract()
                        .jsonPath();
        assertMatches(onlyImage, "", image, null);
    }

    @Test
    void badJsonInputIsA400NamingTheField() throws Exception {
        float[] z784 = new float[784];
        float[] z507 = new float[507];
        given().contentType(ContentType.JSON)
                .body(body(new float[783], z507))
                .post("/api/predictions")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo("image"))
                .body("detail", equalTo("image: expected 784 numbers, got 783"));
        given().contentType(ContentType.JSON)
                .body(body(z784, new float[600]))
                .post("/api/predictions")
                .then()
                .statusCode(400)
                .body("field", equalTo("audio"))
                .body("detail", equalTo("audio: expected 507 numbers, got 600"));
        String overflow = body(z784, z507).replaceFirst("\"audio\":\\[0\\.0", "\"audio\":[1e39");
        given().contentType(ContentType.JSON)
                .body(overflow)
                .post("/api/predictions")
                .then()
                .statusCode(400)
                .body("field", equalTo("audio[0]"))
                .body("detail", equalTo("audio[0]: Infinity is not a finite number"));
        String nan =
                body(z784, z507).replaceFirst("\"image\":\\[0\\.0,0\\.0", "\"image\":[0.0,\"NaN\"");
        given().contentType(ContentType.JSON)
                .body(nan)
                .post("/api/predictions")
                .then()
                .statusCode(400)
                .body("field", startsWith("image"))
                .body("detail", containsString("image"));
        String word =
                body(z784, z507).replaceFirst("\"image\":\\[0\\.0,0\\.0", "\"image\":[0.0,\"abc\"");
        given().contentType(ContentType.JSON)
                .body(word)
                .post("/api/predictions")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo("image[1]"))
                .body("detail", startsWith("image[1]: malformed JSON: "));
        given().contentType(ContentType.JSON)
                .body("{}")
                .post("/api/predictions")
                .then()
                .statusCode(400)
                .body(
                        "detail",
                        containsString("needs 'image' (784 numbers) and/or 'audio' (507 numbers)"));
        given().contentType(ContentType.JSON)
                .body("{\"image\":[1,2")
                .post("/api/predictions")
                .then()
                .statusCode(400)
                .body("type", containsString("malformed-json"));
        given().contentType(ContentType.JSON)
                .body("{\"instances\":[]}")
                .post("/api/predictions")
                .then()
                .statusCode(400)
                .body("detail", equalTo("instances: no instances"));
        given().contentType(ContentType.JSON)
                .body("{\"instances\":[" + body(z784, null) + "," + body(z784, new float[5]) + "]}")
                .post("/api/predictions")
                .then()
                .statusCode(400)
                .body("field", equalTo("instances[1].audio"))
                .body("detail", equalTo("instances[1].audio: expected 507 numbers, got 5"));
        StringBuilder many = new StringBuilder("{\"instances\":[");
        for (int i = 0; i < 1025; i++) {
            many.append(i > 0 ? "," : "").append("{\"audio\":[]}");
        }
        given().contentType(ContentType.JSON)
                .body(many.append("]}").toString())
                .post("/api/predictions")
                .then()
                .statusCode(400)
                .body("detail", equalTo("instances: 1025 instances in one request, at most 1024"));
        given().contentType(ContentType.JSON)
                .body("{\"image\":" + JSON.writeValueAsString(z784) + ",\"instances\":[]}")
                .post("/api/predictions")
                .then()
                .statusCode(400)
                .body("field", equalTo("instances"));
        given().contentType(ContentType.TEXT)
                .body("hello")
                .post("/api/predictions")
                .then()
                .statusCode(415)
                .contentType("application/problem+json");
    }

    @TestHTTPResource("/api/predictions")
    URI predictions;

    @Test
    void anOversizedBodyIsA413() throws Exception {
        // a client announcing a 17 MB body gets the answer before sending it
        long length = 17L * 1024 * 1024;
        try (Socket socket = new Socket(predictions.getHost(), predictions.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream()
                    .write(
                            ("POST /api/predictions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                                            + "Content-Length: "
                                            + length
                                            + "\r\nExpect: 100-continue\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String response = RawHttp.readResponse(socket.getInputStream());
            assertThat(response)
                    .startsWith("HTTP/1.1 413")
                    .containsIgnoringCase("content-type: application/problem+json");
            JsonPath problem = new JsonPath(response.substring(response.indexOf("\r\n\r\n") + 4));
            assertThat(problem.getString("field")).isEqualTo("body");
            assertThat(problem.getString("detail"))
                    .isEqualTo(
                            "body: "
                                    + length
                                    + " bytes, larger than the limit of 16777216 bytes "
                                    + "(quarkus.http.limits.max-body-size)");
        }
    }

    @Test
    void badFilesAreA400NamingTheField() throws Exception {
        given().multiPart("image", "x.png", "not an image".getBytes(), "image/png")
                .post("/api/predictions")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo("image"))
                .body("detail", startsWith("image: not a readable image"));
        given().multiPart("audio", "x.wav", "RIFF....WAVEjunk".getBytes(), "audio/wav")
                .post("/api/predictions")
                .then()
                .statusCode(400)
                .body("field", equalTo("audio"))
                .body("detail", startsWith("audio: "));
        BufferedImage blank = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(blank, "png", out);
        given().multiPart("image", "blank.png", out.toByteArray(), "image/png")
                .post("/api/predictions")
                .then()
                .statusCode(400)
                .body("detail", equalTo("image: no digit found (the image is blank)"));
        given().multiPart("other", "x.txt", "x".getBytes(), "text/plain")
                .post("/api/predictions")
                .then()
                .statusCode(400)
                .body("detail", containsString("needs 'image'"));
    }

    @Test
    void theEchoEndpointParsesLikePredictions() throws Exception {
        given().contentType(ContentType.JSON)
                .body(body(new float[784], new float[507]))
                .post("/api/echo")
                .then()
                .statusCode(200)
                .body("modelVersion", equalTo("echo"))
                .body("probabilities", hasSize(10));
        given().contentType(ContentType.JSON)
                .body(body(new float[3], null))
                .post("/api/echo")
                .then()
                .statusCode(400)
                .body("field", equalTo("image"));
    }

    @Test
    void thePageAndTheDocsAreServed() {
        given().get("/").then().statusCode(200).body(containsString("<canvas id=\"pad\""));
        given().get("/app.js").then().statusCode(200);
        given().get("/q/openapi?format=json")
                .then()
                .statusCode(200)
                .body("paths", Matchers.hasKey("/api/predictions"))
                .body("paths", Matchers.hasKey("/v2/models/{name}/infer"));
        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("mmdigits_inference_predictions_total"))
                .body(containsString("mmdigits_inference_model_loaded"));
    }
}
