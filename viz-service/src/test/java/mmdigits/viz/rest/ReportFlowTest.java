package mmdigits.viz.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import mmdigits.common.Topics;
import mmdigits.common.kafka.DeadLetters;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.viz.VizFixtures;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.TopicReader;

/** Through the real broker: embeddings of a small test split → a report and predictions.csv with one row per sample. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class ReportFlowTest {
    static final int N = 300;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    static JsonPath awaitReport(String version, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonPath list = given().get("/reports").then().statusCode(200).extract().jsonPath();
            String state = list.getString("reports.find { it.version == '" + version + "' }.state");
            if ("READY".equals(state) || "FAILED".equals(state)) {
                return list;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no report of " + version + " within " + timeout);
    }

    @Test
    void embeddingsOfATestSplitBecomeAReport() throws Exception {
        TopicAdmin.ensureTopics(bootstrap, Duration.ofSeconds(30));
        Random r = new Random(1);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (var e : VizFixtures.training("run-1", "v1", 4)) {
            records.add(VizFixtures.record(e));
        }
        for (int row = 0; row < N; row++) {
            if (VizFixtures.predicted(row) != row % 10) {
                records.add(VizFixtures.record(VizFixtures.sample("viz", row)));
            }
        }
        // the embeddings arrive in reverse row order, some twice (re-delivery), plus one record that is not an embedding
        for (int row = N - 1; row >= 0; row--) {
            records.add(VizFixtures.record(VizFixtures.embedding("viz", "v1", row, true, r)));
        }
        for (int row = 0; row < 20; row++) {
            records.add(VizFixtures.record(VizFixtures.embedding("viz", "v1", row, true, r)));
        }
        records.add(new ProducerRecord<>(Topics.EMBEDDINGS, "viz/test/junk", "junk".getBytes(StandardCharsets.UTF_8)));
        // a second version with only part of the split: no report by itself
        for (int row = 0; row < 50; row++) {
            records.add(VizFixtures.record(VizFixtures.embedding("viz", "v2", row, true, r)));
        }
        records.add(VizFixtures.record(VizFixtures.published("viz", N)));
        VizFixtures.send(bootstrap, records);

        JsonPath list = awaitReport("v1", Duration.ofSeconds(120));
        assertThat(list.getString("reports.find { it.version == 'v1' }.state")).as(list.prettify()).isEqualTo("READY");
        assertThat(list.getInt("reports.find { it.version == 'v1' }.samples")).isEqualTo(N);
        assertThat(list.getInt("versions.find { it.version == 'v2' }.embeddings")).isEqualTo(50);
        assertThat(list.getLong("versions.find { it.version == 'v2' }.missing")).isEqualTo(N - 50);
        assertThat(list.getString("reports.find { it.version == 'v2' }")).isNull();

        String csv = given().get("/reports/v1/predictions.csv").then().statusCode(200).contentType(containsString("text/csv")).extract()
                .asString();
        List<String> lines = csv.lines().toList();
        assertThat(lines).hasSize(N + 1);
        assertThat(lines.get(0)).isEqualTo("row_id,label");
        for (int row = 0; row < N; row++) {
            assertThat(lines.get(row + 1)).isEqualTo(row + "," + VizFixtures.predicted(row));
        }

        JsonPath report = given().get("/reports/v1/report.json").then().statusCode(200).extract().jsonPath();
        long wrong = java.util.stream.IntStream.range(0, N).filter(row -> VizFixtures.predicted(row) != row % 10).count();
        assertThat(report.getDouble("metrics.accuracy")).isCloseTo(1.0 - (double) wrong / N, within(1e-6)); // JsonPath reads floats
        assertThat(report.getList("metrics.confusion")).hasSize(10);
        assertThat(report.getInt("metrics.confusion[3][3]") + report.getInt("metrics.confusion[3][4]")).isEqualTo(30);
        // ten separated classes: K-means finds them, t-SNE keeps them
        assertThat(report.getDouble("metrics.adjusted_rand_index")).isGreaterThan(0.95);
        assertThat(report.getDouble("metrics.purity")).isGreaterThan(0.95);
        assertThat(report.getDouble("metrics.silhouette")).isGreaterThan(0.5);
        assertThat(report.getDouble("metrics.tsne_trustworthiness_k10")).isGreaterThan(0.9);
        assertThat(report.getList("misclassified_shown")).hasSize((int) Math.min(wrong, 36));
        assertThat(report.getList("training")).hasSize(4);
        for (String file : List.of("index.html", "tsne-labels.png", "tsne-labels.svg", "tsne-clusters.png", "confusion.png", "per-class.png",
                "clusters.png", "misclassified.png", "training.png", "points.js", "tsne-view.js")) {
            byte[] body = given().get("/reports/v1/" + file).then().statusCode(200).extract().asByteArray();
            assertThat(body.length).as(file).isGreaterThan(100);
        }
        given().redirects().follow(false).get("/reports/latest").then().statusCode(303)
                .header("Location", containsString("/reports/v1/index.html"));
        given().get("/reports/v1/index.html").then().statusCode(200).body(containsString("Model v1"));

        // on demand: the partial version
        given().contentType(ContentType.JSON).body("{\"version\":\"v2\"}").post("/reports").then().statusCode(202)
                .body("version", equalTo("v2"));
        assertThat(awaitReport("v2", Duration.ofSeconds(60)).getString("reports.find { it.version == 'v2' }.state")).isEqualTo("READY");
        assertThat(given().get("/reports/v2/predictions.csv").then().statusCode(200).extract().asString().lines().count()).isEqualTo(51);

        // errors
        given().contentType(ContentType.JSON).body("{\"version\":\"v9\"}").post("/reports").then().statusCode(404)
                .contentType("application/problem+json").body("detail", containsString("'v9'"));
        given().get("/reports/v9/index.html").then().statusCode(404);
        given().get("/reports/v1/..secret").then().statusCode(400);
        given().get("/reports/v1/nothing.png").then().statusCode(404);

        // the junk record went to the dead-letter topic
        List<ConsumerRecord<String, byte[]>> dead = TopicReader.readAll(bootstrap, Topics.DEAD_LETTER, "read_committed");
        assertThat(dead).anySatisfy(d -> {
            assertThat(d.key()).isEqualTo("viz/test/junk");
            assertThat(DeadLetters.reason(d.headers())).startsWith("undecodable record on digits.embeddings");
        });
    }
}
