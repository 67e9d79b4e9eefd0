package mmdigits.ingest.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.RestFuzz;
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
        return RestFuzz.withToken(TOKEN).problemsOnly().post(path, valid, seed, n);
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
