package mmdigits.viz.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import mmdigits.common.Topics;
import mmdigits.common.kafka.DeadLetters;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.Scrape;
import mmdigits.localkafka.TopicReader;
import mmdigits.viz.FreshOutputDir;
import mmdigits.viz.VizFixtures;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Through the real broker: embeddings of a test split → a report per (dataset, version) and its
 * predictions.csv with one row per sample; a second dataset in the same broker gets its own report,
 * built from its own model's embeddings only; memory holds only what pending reports need; the
 * index of reports is written beside them.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@QuarkusTestResource(FreshOutputDir.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(1) // first of its group: it counts every report and pending pair on the shared broker
class ReportFlowTest {
    /** A token with the roles these calls need. */
    static final String TOKEN = KafkaBrokerTestResource.token("train");

    static final int N = 300;
    static final int N2 = 100;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = "viz.output-dir")
    Path output;

    static JsonPath awaitReport(String dataset, String version, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonPath list =
                    given().auth()
                            .oauth2(TOKEN)
                            .get("/reports")
                            .then()
                            .statusCode(200)
                            .extract()
                            .jsonPath();
            String state = list.getString(find(dataset, version) + ".state");
            if ("READY".equals(state) || "FAILED".equals(state)) {
                return list;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no report of " + dataset + "/" + version + " within " + timeout);
    }

    static String find(String dataset, String version) {
        return "reports.find { it.dataset == '"
                + dataset
                + "' && it.version == '"
                + version
                + "' }";
    }

    static int held() {
        return given().auth()
                .oauth2(TOKEN)
                .get("/q/health/ready")
                .then()
                .extract()
                .path("checks.find { it.name == 'embeddings-read' }.data.embeddingsHeld");
    }

    @Test
    @Order(1)
    void embeddingsOfATestSplitBecomeAReport() throws Exception {
        TopicAdmin.ensureTopics(bootstrap, Duration.ofSeconds(30));
        Random r = new Random(1);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (var e : VizFixtures.training("run-1", "v1", "viz", 4)) {
            records.add(VizFixtures.record(e));
        }
        for (int row = 0; row < N; row++) {
            if (VizFixtures.predicted(row) != row % 10) {
                records.add(VizFixtures.record(VizFixtures.sample("viz", row)));
            }
        }
        // the embeddings arrive in reverse row order, some twice (re-delivery), plus one record
        // that is not an embedding
        for (int row = N - 1; row >= 0; row--) {
            records.add(VizFixtures.record(VizFixtures.embedding("viz", "v1", row, true, r)));
        }
        for (int row = 0; row < 20; row++) {
            records.add(VizFixtures.record(VizFixtures.embedding("viz", "v1", row, true, r)));
        }
        records.add(
                new ProducerRecord<>(
                        Topics.EMBEDDINGS,
                        "viz/test/junk",
                        "junk".getBytes(StandardCharsets.UTF_8)));
        // a second version with only part of the split: no report by itself
        for (int row = 0; row < 50; row++) {
            records.add(VizFixtures.record(VizFixtures.embedding("viz", "v2", row, true, r)));
        }
        records.add(VizFixtures.record(VizFixtures.published("viz", N)));
        VizFixtures.send(bootstrap, records);

        JsonPath list = awaitReport("viz", "v1", Duration.ofSeconds(120));
        assertThat(list.getString(find("viz", "v1") + ".state"))
                .as(list.prettify())
                .isEqualTo("READY");
        assertThat(list.getInt(find("viz", "v1") + ".samples")).isEqualTo(N);
        assertThat(list.getInt("pending.find { it.version == 'v2' }.embeddings")).isEqualTo(50);
        assertThat(list.getLong("pending.find { it.version == 'v2' }.expected")).isEqualTo(N);
        assertThat(list.getString(find("viz", "v2"))).isNull();
        assertThat(held()).as("only the pending pair's embeddings stay in memory").isEqualTo(50);

        String csv =
                given().auth()
                        .oauth2(TOKEN)
                        .get("/reports/viz/v1/predictions.csv")
                        .then()
                        .statusCode(200)
                        .contentType(containsString("text/csv"))
                        .extract()
                        .asString();
        List<String> lines = csv.lines().toList();
        assertThat(lines).hasSize(N + 1);
        assertThat(lines.get(0)).isEqualTo("row_id,label");
        for (int row = 0; row < N; row++) {
            assertThat(lines.get(row + 1)).isEqualTo(row + "," + VizFixtures.predicted(row));
        }

        JsonPath report =
                given().auth()
                        .oauth2(TOKEN)
                        .get("/reports/viz/v1/report.json")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath();
        long wrong =
                IntStream.range(0, N).filter(row -> VizFixtures.predicted(row) != row % 10).count();
        assertThat(report.getString("dataset")).isEqualTo("viz");
        assertThat(report.getDouble("metrics.accuracy"))
                .isCloseTo(1.0 - (double) wrong / N, within(1e-6)); // JsonPath reads floats
        assertThat(report.getList("metrics.confusion")).hasSize(10);
        assertThat(
                        report.getInt("metrics.confusion[3][3]")
                                + report.getInt("metrics.confusion[3][4]"))
                .isEqualTo(30);
        // ten separated classes: K-means finds them, t-SNE keeps them. Floors at what the seeded
        // fixture reaches (the same in three runs) minus a noise margin: ARI and purity 1.0 (one
        // of 300 points in another cluster gives 0.992 and 0.997, two 0.985 and 0.993),
        // silhouette 0.584, trustworthiness 0.992
        assertThat(report.getDouble("metrics.adjusted_rand_index")).isGreaterThan(0.99);
        assertThat(report.getDouble("metrics.purity")).isGreaterThan(0.99);
        assertThat(report.getDouble("metrics.silhouette")).isGreaterThan(0.57);
        assertThat(report.getDouble("metrics.tsne_trustworthiness_k10")).isGreaterThan(0.98);
        assertThat(report.getList("misclassified_shown")).hasSize((int) Math.min(wrong, 36));
        assertThat(report.getList("training")).hasSize(4);
        for (String file :
                List.of(
                        "index.html",
                        "tsne-labels.png",
                        "tsne-labels.svg",
                        "tsne-clusters.png",
                        "confusion.png",
                        "per-class.png",
                        "clusters.png",
                        "misclassified.png",
                        "training.png",
                        "points.js",
                        "tsne-view.js")) {
            byte[] body =
                    given().auth()
                            .oauth2(TOKEN)
                            .get("/reports/viz/v1/" + file)
                            .then()
                            .statusCode(200)
                            .extract()
                            .asByteArray();
            assertThat(body.length).as(file).isGreaterThan(100);
        }
        given().auth()
                .oauth2(TOKEN)
                .redirects()
                .follow(false)
                .get("/reports/latest")
                .then()
                .statusCode(303)
                .header("Location", containsString("/reports/viz/v1/index.html"));
        given().auth()
                .oauth2(TOKEN)
                .redirects()
                .follow(false)
                .get("/reports/viz/v1")
                .then()
                .statusCode(303)
                .header("Location", containsString("/reports/viz/v1/index.html"));
        given().auth()
                .oauth2(TOKEN)
                .get("/reports/viz/v1/index.html")
                .then()
                .statusCode(200)
                .body(containsString("Model v1"));

        // on demand: the partial version
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"dataset\":\"viz\",\"version\":\"v2\"}")
                .post("/reports")
                .then()
                .statusCode(202)
                .body("version", equalTo("v2"))
                .body("state", equalTo("BUILDING"));
        assertThat(
                        awaitReport("viz", "v2", Duration.ofSeconds(60))
                                .getString(find("viz", "v2") + ".state"))
                .isEqualTo("READY");
        assertThat(
                        given().auth()
                                .oauth2(TOKEN)
                                .get("/reports/viz/v2/predictions.csv")
                                .then()
                                .statusCode(200)
                                .extract()
                                .asString()
                                .lines()
                                .count())
                .isEqualTo(51);
        assertThat(held()).isZero();

        // errors
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"dataset\":\"viz\",\"version\":\"v9\"}")
                .post("/reports")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("detail", containsString("'v9'"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"dataset\":\"nope\",\"version\":\"v1\"}")
                .post("/reports")
                .then()
                .statusCode(404)
                .body("detail", containsString("no test split of 'nope'"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{}")
                .post("/reports")
                .then()
                .statusCode(400)
                .body("field", equalTo("dataset"));
        given().auth().oauth2(TOKEN).get("/reports/viz/v9/index.html").then().statusCode(404);
        given().auth().oauth2(TOKEN).get("/reports/viz/v1/..secret").then().statusCode(400);
        given().auth().oauth2(TOKEN).get("/reports/viz/v1/nothing.png").then().statusCode(404);

        // the junk record went to the dead-letter topic
        List<ConsumerRecord<String, byte[]>> dead =
                TopicReader.readAll(bootstrap, Topics.DEAD_LETTER, "read_committed");
        assertThat(dead)
                .anySatisfy(
                        d -> {
                            assertThat(d.key()).isEqualTo("viz/test/junk");
                            assertThat(DeadLetters.reason(d.headers()))
                                    .startsWith("undecodable record on digits.embeddings");
                        });
        long fromEmbeddings =
                dead.stream()
                        .filter(
                                d ->
                                        Topics.EMBEDDINGS.equals(
                                                DeadLetters.text(d.headers(), DeadLetters.TOPIC)))
                        .count();
        assertThat(
                        Scrape.now()
                                .sum(
                                        "mmdigits_dead_letters_total",
                                        "service=viz-service",
                                        "topic=" + Topics.EMBEDDINGS))
                .isEqualTo(fromEmbeddings);
    }

    /** Of viz-two's N2 rows, the shadow v4 scored the first SHADOWED beside v3. */
    static final int SHADOWED = 80;

    /** The shadow's digit: wrong on every 7th row, where the served one may be right. */
    static int shadowLabel(int row) {
        return row % 7 == 0 ? (row + 3) % 10 : row % 10;
    }

    /**
     * The report of viz-two/v3 compares the shadow v4 with v3 on the rows it scored: numbers
     * counted here from the fixtures' labels.
     */
    void assertShadowCompared() {
        int agreed = 0;
        int servedRight = 0;
        int shadowRight = 0;
        long[][] disagreements = new long[10][10];
        for (int row = 0; row < SHADOWED; row++) {
            int served = VizFixtures.predicted(row);
            agreed += served == shadowLabel(row) ? 1 : 0;
            if (served != shadowLabel(row)) {
                disagreements[served][shadowLabel(row)]++;
            }
            servedRight += served == row % 10 ? 1 : 0;
            shadowRight += shadowLabel(row) == row % 10 ? 1 : 0;
        }
        JsonPath report =
                given().auth()
                        .oauth2(TOKEN)
                        .get("/reports/viz-two/v3/report.json")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath();
        assertThat(report.getList("shadows")).hasSize(1);
        assertThat(report.getString("shadows[0].version")).isEqualTo("v4");
        assertThat(report.getString("shadows[0].served_version")).isEqualTo("v3");
        assertThat(report.getInt("shadows[0].samples")).isEqualTo(SHADOWED);
        assertThat(report.getInt("shadows[0].agreed")).isEqualTo(agreed);
        assertThat(report.getDouble("shadows[0].agreement"))
                .isCloseTo((double) agreed / SHADOWED, within(1e-6));
        assertThat(report.getInt("shadows[0].labelled")).isEqualTo(SHADOWED);
        assertThat(report.getDouble("shadows[0].served_accuracy"))
                .isCloseTo((double) servedRight / SHADOWED, within(1e-6));
        assertThat(report.getDouble("shadows[0].shadow_accuracy"))
                .isCloseTo((double) shadowRight / SHADOWED, within(1e-6));
        for (int k = 0; k < 10; k++) {
            for (int j = 0; j < 10; j++) {
                assertThat(report.getLong("shadows[0].disagreements[" + k + "][" + j + "]"))
                        .as("served %d, shadow %d", k, j)
                        .isEqualTo(disagreements[k][j]);
            }
        }
        assertThat(agreed).as("the fixture has disagreements").isLessThan(SHADOWED);
        given().auth()
                .oauth2(TOKEN)
                .get("/reports/viz-two/v3/index.html")
                .then()
                .statusCode(200)
                .body(containsString("Shadow v4 vs v3"));
        assertThat(
                        given().auth()
                                .oauth2(TOKEN)
                                .get("/reports?dataset=viz-two")
                                .then()
                                .extract()
                                .jsonPath()
                                .getDouble("reports[0].summary.shadowAgreement.v4"))
                .isCloseTo((double) agreed / SHADOWED, within(1e-6));
    }

    @Test
    @Order(2)
    void aSecondDatasetGetsItsOwnReportFromItsOwnModel() throws Exception {
        Random r = new Random(2);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        records.add(VizFixtures.record(VizFixtures.publishedTrain("viz-two", 1000)));
        VizFixtures.training("run-3", "v3", "viz-two", 2)
                .forEach(e -> records.add(VizFixtures.record(e)));
        records.add(VizFixtures.record(VizFixtures.published("viz-two", N2)));
        // a shadow v4 scored most of the split beside v3 (committed with v3's outputs, so before
        // them); its predictions beside another version, and an unmarked one, are not v3's
        for (int row = 0; row < SHADOWED; row++) {
            records.add(
                    VizFixtures.record(
                            VizFixtures.prediction("viz-two", "v4", row, shadowLabel(row), "v3")));
        }
        for (int row = SHADOWED; row < N2; row++) {
            records.add(VizFixtures.record(VizFixtures.prediction("viz-two", "v4", row, 0, "v1")));
        }
        records.add(VizFixtures.record(VizFixtures.prediction("viz-two", "v4", 1, 0, null)));
        // the promoted v1 scored the new split too (as it arrived); the new model v3 then scored it
        // as its own
        for (int row = 0; row < N2; row++) {
            records.add(VizFixtures.record(VizFixtures.embedding("viz-two", "v1", row, true, r)));
        }
        for (int row = 0; row < N2; row++) {
            records.add(VizFixtures.record(VizFixtures.embedding("viz-two", "v3", row, true, r)));
        }
        VizFixtures.send(bootstrap, records);

        JsonPath list = awaitReport("viz-two", "v3", Duration.ofSeconds(120));
        assertThat(list.getString(find("viz-two", "v3") + ".state"))
                .as(list.prettify())
                .isEqualTo("READY");
        assertThat(list.getString(find("viz-two", "v1")))
                .as("the old model's embeddings of the new split: no report by itself")
                .isNull();
        assertThat(list.getList("pending")).isEmpty();
        List<String> lines =
                given().auth()
                        .oauth2(TOKEN)
                        .get("/reports/viz-two/v3/predictions.csv")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString()
                        .lines()
                        .toList();
        assertThat(lines).hasSize(N2 + 1);
        assertShadowCompared();
        // the first dataset's report is still its own
        assertThat(
                        given().auth()
                                .oauth2(TOKEN)
                                .get("/reports/viz/v1/predictions.csv")
                                .then()
                                .extract()
                                .asString()
                                .lines()
                                .count())
                .isEqualTo(N + 1);
        given().auth()
                .oauth2(TOKEN)
                .get("/reports?dataset=viz-two")
                .then()
                .body("reports.version", equalTo(List.of("v3")));
        given().auth()
                .oauth2(TOKEN)
                .get("/reports?version=v1")
                .then()
                .body("reports.dataset", equalTo(List.of("viz")));

        // the index beside the reports says which pairs are done (a restarted service reads it)
        JsonNode index =
                new ObjectMapper().readTree(Files.readString(output.resolve("index.json")));
        List<String> ready = new ArrayList<>();
        index.forEach(
                i ->
                        ready.add(
                                i.get("dataset").asText()
                                        + "/"
                                        + i.get("version").asText()
                                        + " "
                                        + i.get("state").asText()));
        assertThat(ready).contains("viz/v1 READY", "viz/v2 READY", "viz-two/v3 READY");
        assertThat(output.resolve("viz-two/v3/index.html")).isRegularFile();

        // metrics a run is watched by
        String metrics =
                given().auth()
                        .oauth2(TOKEN)
                        .get("/q/metrics")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString();
        assertThat(metrics)
                .contains(
                        "mmdigits_viz_reports{state=\"READY\"} 3.0",
                        "mmdigits_viz_embeddings_held 0.0",
                        "mmdigits_viz_report_seconds_count{stage=\"tsne\"} 3",
                        "mmdigits_viz_report_seconds_count{stage=\"total\"} 3",
                        "mmdigits_viz_report_queue 0.0",
                        "mmdigits_viz_reports_collecting 0.0");
        Scrape.now().assertDocumented();
    }
}
