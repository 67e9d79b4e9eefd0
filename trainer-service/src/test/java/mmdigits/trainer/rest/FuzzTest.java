package mmdigits.trainer.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.RestFuzz;
import org.junit.jupiter.api.Test;

/**
 * The trainer's JSON bodies, fuzzed (seeded): a 2xx or a 4xx, never a 5xx; runs the cases queued
 * are cancelled.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class FuzzTest {
    static final String TOKEN = KafkaBrokerTestResource.token("train", "admin");

    /** Posts the cases; a run a case queued is cancelled at once. */
    static Map<Integer, Integer> fuzz(String path, List<String> valid, long seed, int n) {
        return RestFuzz.withToken(TOKEN)
                .afterEach(FuzzTest::cancelQueuedRun)
                .post(path, valid, seed, n);
    }

    private static void cancelQueuedRun(Response r) {
        if (r.statusCode() == 202) {
            given().auth().oauth2(TOKEN).delete("/trainings/" + r.jsonPath().getString("id"));
        }
    }

    @Test
    void trainingAndPromotionBodies() {
        assertThat(
                        fuzz(
                                "/trainings",
                                List.of(
                                        "{\"dataset\": \"fuzz-none\", \"epochs\": 1, \"batchSize\": 64, \"learningRate\": 0.001, "
                                                + "\"seed\": 1, \"validationFraction\": 0.1}"),
                                1601,
                                600))
                .containsKey(400);
        assertThat(fuzz("/models/fuzz-none/promote", List.of("{\"version\": \"nope\"}"), 1602, 300))
                .doesNotContainKey(200);
        given().get("/q/health/live").then().statusCode(200);
    }
}
