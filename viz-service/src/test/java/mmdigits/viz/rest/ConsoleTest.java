package mmdigits.viz.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.common.proto.Split;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.viz.FreshOutputDir;
import mmdigits.viz.VizFixtures;
import mmdigits.viz.console.ConsoleEvents;
import mmdigits.viz.console.StubServices;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The console's state through the real broker: a dataset's publications, a run queued, started,
 * three epochs and released, a signed promotion, 20 of 50 test samples scored, then a second
 * release promoted in its place; the actions need a token and reach the trainer with it; the
 * registry's versions replace the releases once the trainer answers.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@QuarkusTestResource(FreshOutputDir.class)
@QuarkusTestResource(StubServices.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleTest {
    static final long T0 = 1_700_000_000_000L;
    static final String RUN = "console-run-1";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    /** The state, once the condition holds (60 s at most: the logs are read asynchronously). */
    static JsonPath awaitState(String what, Predicate<JsonPath> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = given().get("/console/state").then().statusCode(200).extract().asString();
            JsonPath state = new JsonPath(last);
            if (condition.test(state)) {
                return state;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the console never showed " + what + "; last state: " + last);
    }

    static String run(String field) {
        return "runs.find { it.id == '" + RUN + "' }." + field;
    }

    @Test
    @Order(1)
    void theStateIsWhatTheEventsSay() throws Exception {
        TopicAdmin.ensureTopics(bootstrap, Duration.ofSeconds(30));
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        records.add(ConsoleEvents.published("console", Split.TRAIN, 500, "console-train-1", T0));
        records.add(
                ConsoleEvents.published("console", Split.TEST, 50, "console-test-1", T0 + 1000));
        records.add(ConsoleEvents.queued(RUN, "console", 3, T0 + 2000));
        records.add(ConsoleEvents.started(RUN, T0 + 3000));
        for (int epoch = 1; epoch <= 3; epoch++) {
            records.add(ConsoleEvents.progress(RUN, epoch, 3));
        }
        records.add(ConsoleEvents.released(RUN, "console-v1", "console", 0.93, T0 + 9000));
        records.add(ConsoleEvents.promotion("console", "console-v1", null, null));
        Random r = new Random(7);
        for (int row = 0; row < 20; row++) {
            records.add(
                    VizFixtures.record(
                            VizFixtures.embedding("console", "console-v1", row, true, r)));
        }
        VizFixtures.send(bootstrap, records);

        JsonPath s =
                awaitState(
                        "the run released, the alias on console-v1 and 20 samples scored",
                        st ->
                                "RELEASED".equals(st.getString(run("state")))
                                        && "console-v1"
                                                .equals(
                                                        st.getString(
                                                                "aliases.find { it.alias == 'digits' }.version"))
                                        && Integer.valueOf(20)
                                                .equals(
                                                        st.get(
                                                                "jobs.find { it.version == 'console-v1' }.scored")));
        assertThat(s.getString("alias")).isEqualTo("digits");
        // the dataset and both its publications, the newest first
        assertThat(s.getList("datasets.find { it.name == 'console' }.publications.id"))
                .containsExactly("console-test-1", "console-train-1");
        assertThat(s.getList("datasets.find { it.name == 'console' }.publications.count"))
                .containsExactly(50, 500);
        assertThat(s.getLong("datasets.find { it.name == 'console' }.publications[0].publishedMs"))
                .isEqualTo(T0 + 1000);
        // the run: queued, started, three epochs, released and promoted
        assertThat(s.getString(run("dataset"))).isEqualTo("console");
        assertThat(s.getString(run("model"))).isEqualTo("console");
        assertThat(s.getInt(run("epoch"))).isEqualTo(3);
        assertThat(s.getInt(run("epochs"))).isEqualTo(3);
        assertThat(s.getDouble(run("validationAccuracy"))).isEqualTo(0.93);
        assertThat(s.getDouble(run("loss"))).isEqualTo(1.0 / 3, within(1e-6));
        assertThat(s.getString(run("modelVersion"))).isEqualTo("console-v1");
        assertThat(s.getBoolean(run("promoted"))).isTrue();
        assertThat(s.getString(run("instance"))).isEqualTo("trainer-0");
        assertThat(s.getLong(run("queuedMs"))).isEqualTo(T0 + 2000);
        assertThat(s.getLong(run("startedMs"))).isEqualTo(T0 + 3000);
        assertThat(s.getLong(run("finishedMs"))).isEqualTo(T0 + 9000);
        // the version released, the alias that serves it (the trainer's registry does not answer)
        assertThat(s.getString("models.source")).isEqualTo("digits.events");
        assertThat(s.getList("models.versions.find { it.version == 'console-v1' }.aliases"))
                .containsExactly("digits");
        assertThat(
                        s.getDouble(
                                "models.versions.find { it.version == 'console-v1' }.validationAccuracy"))
                .isEqualTo(0.93);
        assertThat(s.getString("aliases.find { it.alias == 'digits' }.name")).isEqualTo("console");
        assertThat(s.getString("aliases.find { it.alias == 'digits' }.reason"))
                .isEqualTo("promoted on request");
        // the job the release started: 20 of the test split's 50 samples scored, 30 to go
        String job = "jobs.find { it.version == 'console-v1' }.";
        assertThat(s.getString(job + "dataset")).isEqualTo("console");
        assertThat(s.getString(job + "publication")).isEqualTo("console-test-1");
        assertThat(s.getLong(job + "expected")).isEqualTo(50);
        assertThat(s.getLong(job + "remaining")).isEqualTo(30);
        assertThat(s.getString(job + "state")).isEqualTo("SCORING");
        assertThat(s.getBoolean("actions.trainer")).isTrue();
        assertThat(s.getBoolean("actions.inference")).isTrue();

        // a second run's version is promoted: the alias moves, its history has both moves
        VizFixtures.send(
                bootstrap,
                List.of(
                        ConsoleEvents.queued("console-run-2", "console", 1, T0 + 10_000),
                        ConsoleEvents.progress("console-run-2", 1, 1),
                        ConsoleEvents.released(
                                "console-run-2", "console-v2", "console", 0.95, T0 + 12_000),
                        ConsoleEvents.promotion("console", "console-v2", "console", "console-v1")));
        s =
                awaitState(
                        "the alias on console-v2",
                        st ->
                                "console-v2"
                                        .equals(
                                                st.getString(
                                                        "aliases.find { it.alias == 'digits' }.version")));
        assertThat(s.getList("aliases.find { it.alias == 'digits' }.history.version"))
                .containsExactly("console-v2", "console-v1");
        assertThat(s.getString("aliases.find { it.alias == 'digits' }.history[0].previousVersion"))
                .isEqualTo("console-v1");
        assertThat(s.getList("models.versions.find { it.version == 'console-v1' }.aliases"))
                .isEmpty();
        assertThat(s.getList("models.versions.find { it.version == 'console-v2' }.aliases"))
                .containsExactly("digits");
        assertThat(s.getString("jobs.find { it.version == 'console-v2' }.state"))
                .isEqualTo("WAITING");
        assertThat(s.getLong("jobs.find { it.version == 'console-v2' }.remaining")).isEqualTo(50);
        // newest first
        assertThat(s.getList("runs.id")).startsWith("console-run-2");
    }

    @Test
    @Order(2)
    void thePageAndItsScriptAreServed() {
        given().get("/console")
                .then()
                .statusCode(200)
                .contentType(ContentType.HTML)
                .body(containsString("<title>multimodal-digits console</title>"))
                .body(containsString("data-refresh-ms=\"2000\""));
        given().get("/console/console.js")
                .then()
                .statusCode(200)
                .contentType("text/javascript")
                .body(containsString("/console/state"));
    }

    @Test
    @Order(3)
    void actionsNeedATokenAndReachTheTrainerWithIt() {
        String body = "{\"dataset\":\"console\",\"epochs\":2}";
        given().contentType(ContentType.JSON)
                .body(body)
                .post("/console/actions/trainings")
                .then()
                .statusCode(401);
        given().get("/console/session").then().statusCode(401);
        String token = KafkaBrokerTestResource.token("train", "admin");
        given().auth()
                .oauth2(token)
                .get("/console/session")
                .then()
                .statusCode(200)
                .body("roles", contains("admin", "train"));

        StubServices.RECEIVED.clear();
        given().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/console/actions/trainings")
                .then()
                .statusCode(202)
                .body("id", equalTo("stub-run"));
        given().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body("{\"version\":\"console-v1\"}")
                .post("/console/actions/models/console/promote")
                .then()
                .statusCode(202);
        given().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .post("/console/actions/models/rollback")
                .then()
                .statusCode(202);
        assertThat(StubServices.RECEIVED)
                .containsExactly(
                        new StubServices.Received("POST", "/trainings", "Bearer " + token, body),
                        new StubServices.Received(
                                "POST",
                                "/models/console/promote",
                                "Bearer " + token,
                                "{\"version\":\"console-v1\"}"),
                        new StubServices.Received(
                                "POST", "/models/rollback", "Bearer " + token, "{}"));

        // the inference service does not answer: a 502 that names it
        given().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body("{\"dataset\":\"console\"}")
                .post("/console/actions/scorings")
                .then()
                .statusCode(502)
                .contentType("application/problem+json")
                .body("detail", containsString(StubServices.deadUrl));
    }

    @Test
    @Order(4)
    void theTrainersRegistryIsShownWhenItAnswers() throws Exception {
        StubServices.registry =
                "{\"alias\":{\"alias\":\"digits\"},\"versions\":["
                        + version("console-v1", 0.93)
                        + ","
                        + version("console-v2", 0.95)
                        + "]}";
        try {
            JsonPath s =
                    awaitState(
                            "the versions of the trainer's registry",
                            st -> "trainer-service".equals(st.getString("models.source")));
            assertThat(s.getList("models.versions.version"))
                    .containsExactly("console-v2", "console-v1");
            assertThat(s.getList("models.versions[0].aliases")).containsExactly("digits");
            assertThat(s.getLong("models.versions[0].releasedMs")).isEqualTo(T0 + 12_000);
            assertThat(s.getDouble("models.versions[1].validationAccuracy")).isEqualTo(0.93);
        } finally {
            StubServices.registry = null;
        }
    }

    /** A version as the trainer's GET /models lists it. */
    static String version(String version, double accuracy) {
        long created = version.endsWith("2") ? T0 + 12_000 : T0 + 9000;
        return ("{\"name\":\"console\",\"version\":\"%s\",\"dataset\":\"console\",\"runId\":\"r\","
                        + "\"sequence\":1,\"createdMs\":%d,\"embeddingDim\":192,\"onnxBytes\":1,"
                        + "\"metrics\":{\"validation_accuracy\":%s},\"promoted\":false}")
                .formatted(version, created, accuracy);
    }
}
