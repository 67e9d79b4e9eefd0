package mmdigits.ingest.rest;

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
 * Every JSON body of ingest, fuzzed (seeded): each answer is a 2xx or a 4xx problem, never a 5xx,
 * and the service stays up.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class FuzzTest {
    static final String TOKEN = KafkaBrokerTestResource.token("ingest");

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
                    boolean problem =
                            r.statusCode() < 400
                                    || r.contentType().startsWith("application/problem+json");
                    return new Fuzz.Answer(
                            problem ? r.statusCode() : 500,
                            r.asString()); // a 4xx that is not a problem counts as a failure
                });
    }

    @Test
    void samplesBodies() {
        String one = SampleResourceTest.sample("fuzz", "test", 1, 3, 784, "0.5");
        String two = SampleResourceTest.sample("fuzz", "train", 2, 7, 784, "-1");
        Map<Integer, Integer> statuses =
                fuzz(
                        "/samples",
                        List.of(one, "[" + one + "," + two + "]", "{\"samples\":[" + two + "]}"),
                        1401,
                        2000);
        assertThat(statuses)
                .containsKey(400)
                .containsKey(200); // the cases reach past the first check
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void datasetRequests() {
        Map<Integer, Integer> statuses =
                fuzz(
                        "/datasets",
                        List.of(
                                "{\"directory\": \"nope\", \"dataset\": \"fuzz\"}",
                                "{\"directory\": \"../x\"}"),
                        1402,
                        1000);
        assertThat(statuses).containsKey(400);
        given().get("/q/health/ready").then().statusCode(200);
    }
}
