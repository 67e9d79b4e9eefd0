package mmdigits.ingest.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import mmdigits.localkafka.Fuzz;
import mmdigits.localkafka.KafkaBrokerTestResource;

/** Every JSON body of ingest, fuzzed (seeded): each answer is a 2xx or a 4xx problem, never a 5xx, and the service stays up. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class FuzzTest {
    static final String TOKEN = KafkaBrokerTestResource.token("ingest");

    static Map<Integer, Integer> fuzz(String path, List<String> valid, long seed, int n) {
        Map<Integer, Integer> statuses = new TreeMap<>();
        List<String> cases = Fuzz.mutants(seed, valid, n);
        for (int i = 0; i < cases.size(); i++) {
            Response r = given().auth().oauth2(TOKEN).contentType(ContentType.JSON).body(cases.get(i)).post(path);
            assertThat(r.statusCode()).as("%s case %d (seed %d): %s%n-> %s", path, i, seed, cases.get(i), r.asString()).isBetween(200, 499);
            if (r.statusCode() >= 400) {
                assertThat(r.contentType()).as("%s case %d", path, i).startsWith("application/problem+json");
            }
            statuses.merge(r.statusCode(), 1, Integer::sum);
        }
        return statuses;
    }

    @Test
    void samplesBodies() {
        String one = SampleResourceTest.sample("fuzz", "test", 1, 3, 784, "0.5");
        String two = SampleResourceTest.sample("fuzz", "train", 2, 7, 784, "-1");
        Map<Integer, Integer> statuses = fuzz("/samples", List.of(one, "[" + one + "," + two + "]", "{\"samples\":[" + two + "]}"), 1401, 2000);
        assertThat(statuses).containsKey(400).containsKey(200); // the cases reach past the first check
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void datasetRequests() {
        Map<Integer, Integer> statuses = fuzz("/datasets", List.of("{\"directory\": \"nope\", \"dataset\": \"fuzz\"}",
                "{\"directory\": \"../x\"}"), 1402, 1000);
        assertThat(statuses).containsKey(400);
        given().get("/q/health/ready").then().statusCode(200);
    }
}
