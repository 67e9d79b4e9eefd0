package mmdigits.viz.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.RestFuzz;
import org.junit.jupiter.api.Test;

/** Report requests, fuzzed (seeded): a 2xx or a 4xx, never a 5xx. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class FuzzTest {
    @Test
    void reportRequests() {
        String token = KafkaBrokerTestResource.token("train");
        assertThat(
                        RestFuzz.withToken(token)
                                .post(
                                        "/reports",
                                        List.of("{\"dataset\": \"nope\", \"version\": \"nope\"}"),
                                        1701,
                                        600))
                .containsKey(404);
        given().get("/q/health/live").then().statusCode(200);
    }
}
