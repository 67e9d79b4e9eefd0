package mmdigits.viz.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.List;
import mmdigits.localkafka.Fuzz;
import mmdigits.localkafka.KafkaBrokerTestResource;
import org.junit.jupiter.api.Test;

/** Report requests, fuzzed (seeded): a 2xx or a 4xx, never a 5xx. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class FuzzTest {
    @Test
    void reportRequests() {
        String token = KafkaBrokerTestResource.token("train");
        assertThat(
                        Fuzz.send(
                                "/reports",
                                1701,
                                Fuzz.mutants(
                                        1701,
                                        List.of("{\"dataset\": \"nope\", \"version\": \"nope\"}"),
                                        600),
                                body -> {
                                    Response r =
                                            given().auth()
                                                    .oauth2(token)
                                                    .contentType(ContentType.JSON)
                                                    .body(body)
                                                    .post("/reports");
                                    return new Fuzz.Answer(r.statusCode(), r.asString());
                                }))
                .containsKey(404);
        given().get("/q/health/live").then().statusCode(200);
    }
}
