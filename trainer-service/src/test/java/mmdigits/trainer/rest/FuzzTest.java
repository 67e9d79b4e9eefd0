package mmdigits.trainer.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import mmdigits.localkafka.Fuzz;
import mmdigits.localkafka.KafkaBrokerTestResource;
import org.junit.jupiter.api.Test;

/**
 * The trainer's JSON bodies, fuzzed (seeded): a 2xx or a 4xx, never a 5xx; runs the cases queued
 * are cancelled.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class FuzzTest {
    static final String TOKEN = KafkaBrokerTestResource.token("train", "admin");

    static Map<Integer, Integer> fuzz(String path, List<String> valid, long seed, int n) {
        return Fuzz.send(
                path,
                seed,
                Fuzz.mutants(seed, valid, n),
                body -> {
                    Response r =
                            given().auth()
                                    .oauth2(TOKEN)
                                    .contentType(ContentType.JSON)
                                    .body(body)
                                    .post(path);
                    if (r.statusCode() == 202) {
                        given().auth()
                                .oauth2(TOKEN)
                                .delete("/trainings/" + r.jsonPath().getString("id"));
                    }
                    return new Fuzz.Answer(r.statusCode(), r.asString());
                });
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
