package mmdigits.trainer.rest;

import static io.restassured.RestAssured.given;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import mmdigits.localkafka.KafkaBrokerTestResource;
import org.junit.jupiter.api.Test;

/**
 * Who may train and promote: runs need the role train, promotion and rollback admin; reads, health
 * and metrics stay open.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class AuthTest {
    @Test
    void mutatingRoutesNeedTheirRole() {
        String body = "{\"dataset\": \"auth-nothing\", \"epochs\": 0}";
        given().contentType(ContentType.JSON).body(body).post("/trainings").then().statusCode(401);
        given().delete("/trainings/some-run").then().statusCode(401);
        given().post("/models/rollback").then().statusCode(401);
        given().post("/models/flow/promote").then().statusCode(401);
        String canary = "{\"version\": \"v1\", \"percent\": 10}";
        for (String route : List.of("/models/flow/canary", "/models/flow/shadow")) {
            given().contentType(ContentType.JSON).body(canary).post(route).then().statusCode(401);
        }
        given().post("/models/candidate/promote").then().statusCode(401);
        String trainOnly = KafkaBrokerTestResource.token("train", "ingest", "predict");
        given().auth().oauth2(trainOnly).post("/models/rollback").then().statusCode(403);
        given().auth().oauth2(trainOnly).post("/models/flow/promote").then().statusCode(403);
        for (String route : List.of("/models/flow/canary", "/models/flow/shadow")) {
            given().auth()
                    .oauth2(trainOnly)
                    .contentType(ContentType.JSON)
                    .body(canary)
                    .post(route)
                    .then()
                    .statusCode(403);
        }
        given().auth().oauth2(trainOnly).post("/models/candidate/promote").then().statusCode(403);
        String adminOnly = KafkaBrokerTestResource.token("admin");
        given().auth()
                .oauth2(adminOnly)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/trainings")
                .then()
                .statusCode(403);
        given().auth().oauth2(adminOnly).delete("/trainings/some-run").then().statusCode(403);
        // with the role the request is judged on its merits: 0 epochs, an unknown run
        given().auth()
                .oauth2(trainOnly)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/trainings")
                .then()
                .statusCode(400);
        given().auth().oauth2(trainOnly).delete("/trainings/some-run").then().statusCode(404);
    }

    @Test
    void readsHealthAndMetricsStayOpen() {
        given().get("/trainings").then().statusCode(200);
        given().get("/models").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
    }
}
