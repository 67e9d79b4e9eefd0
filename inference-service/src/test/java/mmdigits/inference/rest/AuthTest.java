package mmdigits.inference.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.is;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import mmdigits.localkafka.KafkaBrokerTestResource;
import org.junit.jupiter.api.Test;

/**
 * Predictions are open by default (a local run); asking for a split to be scored needs the role
 * train.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class AuthTest {
    @Test
    void scoringRequestsNeedTheRoleTrain() {
        given().contentType(ContentType.JSON)
                .body("{\"dataset\": \"nope\"}")
                .post("/api/scorings")
                .then()
                .statusCode(401);
        given().auth()
                .oauth2(KafkaBrokerTestResource.token("predict", "ingest", "admin"))
                .contentType(ContentType.JSON)
                .body("{\"dataset\": \"nope\"}")
                .post("/api/scorings")
                .then()
                .statusCode(403);
        given().auth()
                .oauth2(KafkaBrokerTestResource.token("train"))
                .contentType(ContentType.JSON)
                .body("{\"dataset\": \"nope\"}")
                .post("/api/scorings")
                .then()
                .statusCode(404);
    }

    @Test
    void predictionsAreOpenByDefault() {
        // no token: the request is judged on its merits (a 400 for a bad body, not a 401)
        given().contentType(ContentType.JSON)
                .body("{\"image\": [1]}")
                .post("/api/predictions")
                .then()
                .statusCode(400);
        given().contentType(ContentType.JSON)
                .body("{}")
                .post("/v2/models/digits/infer")
                .then()
                .statusCode(400);
        given().get("/v2/models/digits/ready")
                .then()
                .statusCode(anyOf(is(200), is(400))); // open: ready or not, never a 401
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
    }
}
