package mmdigits.viz.rest;

import static io.restassured.RestAssured.given;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import mmdigits.localkafka.KafkaBrokerTestResource;
import org.junit.jupiter.api.Test;

/**
 * The production overlay's setting: reading reports needs a valid token (any role); health and
 * metrics stay open.
 */
@QuarkusTest
@TestProfile(ClosedReportsTest.Closed.class)
@QuarkusTestResource(KafkaBrokerTestResource.class)
class ClosedReportsTest {
    public static class Closed implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mmdigits.auth.reports", "authenticated");
        }
    }

    @Test
    void reportsNeedAToken() {
        given().get("/reports").then().statusCode(401);
        given().get("/reports/latest").then().statusCode(401);
        given().auth()
                .oauth2(KafkaBrokerTestResource.token("predict"))
                .get("/reports")
                .then()
                .statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
    }
}
