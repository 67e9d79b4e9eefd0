package mmdigits.viz.rest;

import static io.restassured.RestAssured.given;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import mmdigits.localkafka.KafkaBrokerTestResource;
import org.junit.jupiter.api.Test;

/** Reports are open to read by default; asking for one needs the role train. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class AuthTest {
    @Test
    void askingForAReportNeedsTheRoleTrain() {
        String body = "{\"dataset\": \"nope\", \"version\": \"nope\"}";
        given().contentType(ContentType.JSON).body(body).post("/reports").then().statusCode(401);
        given().auth()
                .oauth2(KafkaBrokerTestResource.token("predict", "ingest", "admin"))
                .contentType(ContentType.JSON)
                .body(body)
                .post("/reports")
                .then()
                .statusCode(403);
        given().auth()
                .oauth2(KafkaBrokerTestResource.token("train"))
                .contentType(ContentType.JSON)
                .body(body)
                .post("/reports")
                .then()
                .statusCode(404);
    }

    @Test
    void readsHealthAndMetricsStayOpen() {
        given().get("/reports").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
    }
}
