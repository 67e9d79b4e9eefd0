package mmdigits.ingest.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.RawHttp;
import org.junit.jupiter.api.Test;

/**
 * What the docs promise for batches at once: while {@code ingest.concurrent-batches} (1) batches
 * are being published, the next waits {@code ingest.batch-wait} and then gets 503 with {@code
 * Retry-After} as a problem; once the batch is done, the next is taken.
 */
@QuarkusTest
@TestProfile(BusyBatchesTest.ShortWait.class)
@QuarkusTestResource(KafkaBrokerTestResource.class)
class BusyBatchesTest {
    static final String TOKEN = SampleResourceTest.TOKEN;

    /** A short wait, so that the waiting request is turned away quickly. */
    public static class ShortWait implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ingest.batch-wait", "300ms");
        }
    }

    @Test
    void aBatchWhileAnotherIsPublishedGets503WithRetryAfter() throws Exception {
        String body =
                "["
                        + SampleResourceTest.sample("busy", "test", 0, 1, 784, "0.5")
                        + ","
                        + SampleResourceTest.sample("busy", "test", 1, 2, 784, "0.5")
                        + "]";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        int half = bytes.length / 2;
        try (Socket slow = new Socket("127.0.0.1", RestAssured.port)) {
            slow.setSoTimeout(30_000);
            OutputStream out = slow.getOutputStream();
            out.write(head(bytes.length).getBytes(StandardCharsets.US_ASCII));
            out.write(bytes, 0, half); // the slow client holds the one batch slot mid-body
            out.flush();

            Response turnedAway = postUntilBusy(body);
            assertThat(turnedAway.statusCode()).as(turnedAway.asString()).isEqualTo(503);
            assertThat(turnedAway.header("Retry-After")).isEqualTo("1");
            assertThat(turnedAway.contentType()).startsWith("application/problem+json");
            assertThat(turnedAway.jsonPath().getString("detail"))
                    .contains("ingest.concurrent-batches");

            out.write(bytes, half, bytes.length - half);
            out.flush();
            String slowAnswer = RawHttp.readResponse(slow.getInputStream());
            assertThat(slowAnswer).startsWith("HTTP/1.1 200").contains("\"published\":2");
        }
        post(body) // the slot is free again
                .then()
                .statusCode(200)
                .body("published", equalTo(2))
                .body("ids[0]", containsString("busy/test/0"));
    }

    private static String head(int length) {
        return "POST /samples HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer "
                + TOKEN
                + "\r\nContent-Length: "
                + length
                + "\r\n\r\n";
    }

    /**
     * Posts until the answer is not a 200: the slow request may take a moment to reach the
     * resource; a 200 means it did not hold the slot yet (at most a few tries).
     */
    private static Response postUntilBusy(String body) throws InterruptedException {
        Response r = null;
        for (int i = 0; i < 10; i++) {
            Thread.sleep(200);
            r = post(body);
            if (r.statusCode() != 200) {
                return r;
            }
        }
        return r;
    }

    private static Response post(String body) {
        return given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/samples");
    }
}
