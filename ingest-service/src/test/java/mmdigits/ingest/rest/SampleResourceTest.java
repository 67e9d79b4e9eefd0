package mmdigits.ingest.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import mmdigits.common.Topics;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import mmdigits.common.sample.Dimensions;
import mmdigits.common.sample.SampleJson;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.RawHttp;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class SampleResourceTest {
    /** A token with the roles these calls need. */
    static final String TOKEN = KafkaBrokerTestResource.token("ingest");

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    static String sample(
            String dataset,
            String split,
            int rowId,
            Integer label,
            int imageLen,
            String audioFirst) {
        StringBuilder sb =
                new StringBuilder(
                        "{\"dataset\":\""
                                + dataset
                                + "\",\"split\":\""
                                + split
                                + "\",\"row_id\":"
                                + rowId);
        if (label != null) {
            sb.append(",\"label\":").append(label);
        }
        sb.append(",\"image\":[");
        for (int i = 0; i < imageLen; i++) {
            sb.append(i == 0 ? "" : ",").append(i % 256);
        }
        sb.append("],\"audio\":[").append(audioFirst);
        for (int i = 1; i < 507; i++) {
            sb.append(",").append(i * 0.25 - 60);
        }
        return sb.append("]}").toString();
    }

    @Test
    void batchIsCommittedAndReadable() {
        String body =
                "{\"samples\":["
                        + sample("stream-a", "test", 0, null, 784, "1.5")
                        + ","
                        + sample("stream-a", "test", 1, 7, 784, "-2")
                        + ","
                        + sample("stream-a", "train", 2, 3, 784, "0")
                        + "]}";
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(body)
                .when()
                .post("/samples")
                .then()
                .statusCode(200)
                .body("published", equalTo(3))
                .body("ids", contains("stream-a/test/0", "stream-a/test/1", "stream-a/train/2"));
        List<Sample> test =
                DatasetResourceTest.samplesOf(
                        bootstrap, Topics.SAMPLES_TEST, "stream-a", "read_committed");
        assertThat(test)
                .extracting(Sample::getId)
                .containsExactlyInAnyOrder("stream-a/test/0", "stream-a/test/1");
        Sample s1 = test.stream().filter(s -> s.getRowId() == 1).findFirst().orElseThrow();
        assertThat(s1.getLabel()).isEqualTo(7);
        assertThat(s1.getAudio(0)).isEqualTo(-2f);
        assertThat(s1.getAudio(506)).isEqualTo(506 * 0.25f - 60);
        assertThat(s1.getImage(300)).isEqualTo(300 % 256);
        assertThat(
                        DatasetResourceTest.samplesOf(
                                bootstrap, Topics.SAMPLES_TRAIN, "stream-a", "read_committed"))
                .extracting(Sample::getLabel)
                .containsExactly(3);

        // a single object works too, and the dataset defaults to "stream"
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(sample("", "test", 9, null, 784, "0").replace("\"dataset\":\"\",", ""))
                .post("/samples")
                .then()
                .statusCode(200)
                .body("ids", contains("stream/test/9"));
    }

    @Test
    void invalidSampleRejectsTheWholeBatch() {
        String body =
                "{\"samples\":["
                        + sample("stream-bad", "test", 0, null, 784, "1")
                        + ","
                        + sample("stream-bad", "test", 1, null, 783, "1")
                        + "]}";
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(body)
                .when()
                .post("/samples")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo("samples[1].image"))
                .body("detail", equalTo("samples[1].image: must have 784 values, got 783"));
        assertThat(
                        DatasetResourceTest.samplesOf(
                                bootstrap, Topics.SAMPLES_TEST, "stream-bad", "read_committed"))
                .isEmpty();

        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(sample("stream-bad", "train", 0, null, 784, "1"))
                .post("/samples")
                .then()
                .statusCode(400)
                .body("detail", equalTo("label: is required for a training sample"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(sample("stream-bad", "test", 0, 11, 784, "1"))
                .post("/samples")
                .then()
                .statusCode(400)
                .body("detail", equalTo("label: must be 0-9, got 11"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(sample("stream-bad", "valid", 0, 1, 784, "1"))
                .post("/samples")
                .then()
                .statusCode(400)
                .body("detail", equalTo("split: must be train or test, got 'valid'"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(sample("stream-bad", "test", 0, 1, 784, "1e39"))
                .post("/samples")
                .then()
                .statusCode(400)
                .body("detail", equalTo("audio[0]: is not a finite number (Infinity)"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(sample("stream-bad", "test", 0, 1, 784, "\"x\""))
                .post("/samples")
                .then()
                .statusCode(400)
                .body("field", equalTo("audio[0]"))
                .body("detail", equalTo("audio[0]: must be a number, got \"x\""));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("[]")
                .post("/samples")
                .then()
                .statusCode(400)
                .body("detail", equalTo("samples: the batch is empty"));
    }

    @Test
    void theJsonFormOfSampleIsAccepted() {
        // what ./digits sample prints: protobuf's JSON, where a 64-bit row_id is a string
        Sample.Builder b =
                Sample.newBuilder()
                        .setId("json-form/test/12")
                        .setDataset("json-form")
                        .setSplit(Split.TEST)
                        .setRowId(12);
        for (int i = 0; i < 784; i++) {
            b.addImage(i % 7);
        }
        for (int i = 0; i < 507; i++) {
            b.addAudio(-i);
        }
        String json = SampleJson.print(b.build());
        assertThat(json).contains("\"row_id\":\"12\"");
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(json)
                .post("/samples")
                .then()
                .statusCode(200)
                .body("ids", contains("json-form/test/12"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(json.replace("\"12\"", "\"twelve\""))
                .post("/samples")
                .then()
                .statusCode(400)
                .body("detail", equalTo("row_id: must be a whole number, got \"twelve\""));
    }

    /** A batch of n samples whose values are all "0" (2 bytes a value: ~2.6 KB a sample). */
    static String zeros(int n) {
        String values = ",0".repeat(Dimensions.IMAGE - 1);
        String audio = ",0".repeat(Dimensions.AUDIO - 1);
        StringBuilder sb = new StringBuilder(n * 2700).append('[');
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ",")
                    .append("{\"dataset\":\"hostile\",\"split\":\"test\",\"row_id\":")
                    .append(i)
                    .append(",\"image\":[0")
                    .append(values)
                    .append("],\"audio\":[0")
                    .append(audio)
                    .append("]}");
        }
        return sb.append(']').toString();
    }

    @Test
    void aBatchOverTheSampleCapIsRefusedAsItIsRead() {
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(zeros(10_001))
                .post("/samples")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("field", equalTo("samples"))
                .body(
                        "detail",
                        equalTo(
                                "samples: more than 10000 samples in one request (ingest.max-samples-per-request)"));
        assertThat(
                        DatasetResourceTest.samplesOf(
                                bootstrap, Topics.SAMPLES_TEST, "hostile", "read_committed"))
                .isEmpty();
    }

    @Test
    void anOverlongArrayIsRefusedAtTheFirstValueTooMany() {
        String body =
                sample("hostile", "test", 0, 1, 784, "1")
                        .replace("\"image\":[", "\"image\":[" + "1,".repeat(500_000));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/samples")
                .then()
                .statusCode(400)
                .body("field", equalTo("image"))
                .body("detail", equalTo("image: must have 784 values, got more"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"unknown\":" + "[".repeat(100_000) + "]}")
                .post("/samples")
                .then()
                .statusCode(400)
                .body("field", equalTo("body"))
                .body("detail", containsString("malformed JSON"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"dataset\":\"" + "x".repeat(5000) + "\"}")
                .post("/samples")
                .then()
                .statusCode(400)
                .body("field", equalTo("body"))
                .body("detail", containsString("malformed JSON"));
    }

    @Test
    void bodiesAreLimitedPerRoute() throws IOException {
        // announced larger than the route's limit: 413 before the body is sent
        String answer =
                RawHttp.send(
                        RestAssured.port,
                        "POST /samples",
                        Map.of(
                                "Content-Type",
                                "application/json",
                                "Content-Length",
                                Long.toString(200L << 20),
                                "Expect",
                                "100-continue",
                                "Authorization",
                                "Bearer " + TOKEN),
                        null);
        assertThat(answer)
                .startsWith("HTTP/1.1 413")
                .contains("application/problem+json")
                .contains(
                        "209715200 bytes, larger than the limit of 100663296 bytes (mmdigits.http.body-limits.\\\"/samples\\\")");
        // a small JSON route: 64 KB
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"directory\":\"" + "d".repeat(70_000) + "\"}")
                .post("/datasets")
                .then()
                .statusCode(413)
                .body("detail", containsString("(mmdigits.http.max-json-body-size)"));
        // a body of unannounced length on a route sized below the server's limit: 411
        answer =
                RawHttp.send(
                        RestAssured.port,
                        "POST /samples",
                        Map.of(
                                "Content-Type",
                                "application/json",
                                "Transfer-Encoding",
                                "chunked",
                                "Authorization",
                                "Bearer " + TOKEN),
                        "2\r\n[]\r\n0\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 411").contains("send a Content-Length");
        // the service answers afterwards
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(sample("hostile-after", "test", 0, null, 784, "1"))
                .post("/samples")
                .then()
                .statusCode(200);
    }
}
