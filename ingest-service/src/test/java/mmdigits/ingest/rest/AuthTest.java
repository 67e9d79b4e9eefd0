package mmdigits.ingest.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.Keys;
import org.junit.jupiter.api.Test;

/**
 * Who may publish: every mutating route needs the role ingest; reads, health and metrics stay open.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class AuthTest {
    static final String SAMPLE = SampleResourceTest.sample("auth", "test", 0, null, 784, "1");

    @Test
    void withoutTheRoleNothingIsPublished() throws Exception {
        given().contentType(ContentType.JSON).body(SAMPLE).post("/samples").then().statusCode(401);
        given().contentType(ContentType.JSON)
                .body("{\"directory\": \"x\"}")
                .post("/datasets")
                .then()
                .statusCode(401);
        given().multiPart("dataset", "x").post("/datasets").then().statusCode(401);
        // a valid token without the role: 403
        given().auth()
                .oauth2(KafkaBrokerTestResource.token("predict", "train", "admin"))
                .contentType(ContentType.JSON)
                .body(SAMPLE)
                .post("/samples")
                .then()
                .statusCode(403);
        // tokens that do not verify: signed with another key, expired, garbage
        Path other = Keys.ensure(Path.of("target/other-keys"));
        given().auth()
                .oauth2(Keys.token(other, "mallory", List.of("ingest"), Duration.ofHours(1)))
                .contentType(ContentType.JSON)
                .body(SAMPLE)
                .post("/samples")
                .then()
                .statusCode(401);
        given().auth()
                .oauth2(
                        Keys.token(
                                KafkaBrokerTestResource.testKeys(),
                                "late",
                                List.of("ingest"),
                                Duration.ofSeconds(-600)))
                .contentType(ContentType.JSON)
                .body(SAMPLE)
                .post("/samples")
                .then()
                .statusCode(401);
        given().auth()
                .oauth2("not.a.token")
                .contentType(ContentType.JSON)
                .body(SAMPLE)
                .post("/samples")
                .then()
                .statusCode(401);
        // with the role it works
        given().auth()
                .oauth2(KafkaBrokerTestResource.token("ingest"))
                .contentType(ContentType.JSON)
                .body(SAMPLE)
                .post("/samples")
                .then()
                .statusCode(200)
                .body("published", equalTo(1));
    }

    @Test
    void readsHealthAndMetricsStayOpen() {
        given().get("/datasets/progress").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
    }
}
