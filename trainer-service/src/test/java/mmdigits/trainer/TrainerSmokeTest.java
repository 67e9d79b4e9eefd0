package mmdigits.trainer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
class TrainerSmokeTest {
    @Test
    void liveness() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void readyOnceEveryReplicasRunsWereRead() throws InterruptedException {
        // the logs are read on their own threads after start: ready within a minute
        for (int i = 0; i < 60 && given().get("/q/health/ready").statusCode() != 200; i++) {
            Thread.sleep(1000);
        }
        given().when()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("checks.find { it.name == 'runs-read' }.status", equalTo("UP"));
    }

    @Test
    void theDomainMetricsAreListedFromTheStart() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics)
                .contains(
                        "mmdigits_trainer_runs{state=\"QUEUED\"} 0.0",
                        "mmdigits_trainer_runs{state=\"RELEASED\"} 0.0",
                        "mmdigits_trainer_epoch_seconds_count 0",
                        "mmdigits_trainer_samples_per_second_count 0",
                        "mmdigits_trainer_releases_total{promoted=\"true\"} 0.0",
                        "mmdigits_trainer_releases_total{promoted=\"false\"} 0.0",
                        "mmdigits_trainer_runs_finished_total{state=\"FAILED\"} 0.0",
                        "mmdigits_trainer_run_epoch 0.0",
                        "mmdigits_trainer_run_epochs 0.0",
                        "mmdigits_dead_letters_total{service=\"trainer-service\",topic=\"digits.events\"} 0.0");
    }
}
