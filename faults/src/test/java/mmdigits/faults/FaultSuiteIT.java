package mmdigits.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import mmdigits.common.Topics;
import mmdigits.common.kafka.Producers;
import mmdigits.common.kafka.Splits;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import mmdigits.common.sample.SampleIds;
import mmdigits.common.seed.SyntheticDataset;
import mmdigits.localkafka.TopicReader;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The faults a Kafka pipeline exists to survive, on the real broker and the services' real
 * processes, each SIGKILLed at a bad moment: what it did is counted and printed (and appended to
 * target/faults/report.txt). In order: the broker mid-ingest, the ingest service mid-publish, the
 * inference service mid-scoring, the broker mid-scoring, the trainer mid-run, the viz service after
 * its reports. Small synthetic data (values, not learning, matter here) and the trainer's small
 * model.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultSuiteIT {
    static final int CRASH_ROWS = 40_000;
    static final int TEST_ROWS = 30_000;
    static final int LIVE_ROWS = 2_000;
    static Cluster c;
    static String bootstrap;
    static String v1;

    @BeforeAll
    static void start() throws Exception {
        c = new Cluster("suite");
        SyntheticDataset.write(c.work.resolve("crash"), 1, CRASH_ROWS, 0, false);
        SyntheticDataset.write(c.work.resolve("faults"), 2, 1000, TEST_ROWS, true);
        SyntheticDataset.write(c.work.resolve("while-down"), 3, 300, 100, true);
        c.startBroker();
        bootstrap = c.bootstrap();
        c.start("ingest-service", Map.of());
        c.start(
                "trainer-service",
                Map.of(
                        "TRAINER_MODEL",
                        "small",
                        "TRAINER_EPOCHS",
                        "2",
                        "TRAINER_AUTO_TRAIN",
                        "false"));
        c.start("inference-service", Map.of());
        c.start("viz-service", Map.of("VIZ_AUTO_REPORT", "false"));
    }

    @AfterAll
    static void stop() {
        if (c != null) {
            c.close();
        }
    }

    static void await(String what, Duration timeout, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime())
                    .as("waited %s for: %s", timeout, what)
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    static long written(String topic) {
        try {
            return Outputs.written(bootstrap, topic);
        } catch (Exception e) {
            return -1; // the broker is down
        }
    }

    static double since(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    static List<String> ids(String dataset, Split split, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(SampleIds.of(dataset, split, i));
        }
        return ids;
    }

    static CompletableFuture<Cluster.Answer> publishAsync(String directory, String dataset) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return c.post(
                                "ingest-service",
                                "/datasets",
                                "{\"directory\": \""
                                        + directory
                                        + "\", \"dataset\": \""
                                        + dataset
                                        + "\"}");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
    }

    static JsonNode awaitRun(String id, String state, Duration timeout) throws Exception {
        JsonNode[] run = new JsonNode[1];
        await(
                "run " + id + " " + state,
                timeout,
                () -> {
                    try {
                        run[0] = c.get("trainer-service", "/trainings/" + id).json();
                        return state.equals(run[0].path("state").asText());
                    } catch (Exception e) {
                        return false;
                    }
                });
        return run[0];
    }

    static String train(String dataset, int epochs) throws Exception {
        Cluster.Answer a =
                c.post(
                        "trainer-service",
                        "/trainings",
                        "{\"dataset\": \"" + dataset + "\", \"epochs\": " + epochs + "}");
        assertThat(a.status()).as(a.body()).isEqualTo(202);
        return a.json().get("id").asText();
    }

    @Test
    @Order(1)
    void brokerKilledMidIngestLeavesNothingVisibleAndAnswersWithin30Seconds() throws Exception {
        long before = written(Topics.SAMPLES_TRAIN);
        CompletableFuture<Cluster.Answer> post = publishAsync("crash", "crash");
        await(
                "records of the split reaching the broker",
                Duration.ofSeconds(60),
                () -> written(Topics.SAMPLES_TRAIN) - before > 2000);
        long sent = written(Topics.SAMPLES_TRAIN) - before;
        long t0 = System.nanoTime();
        c.killBroker();
        Cluster.Answer answer = post.get(90, TimeUnit.SECONDS);
        double seconds = since(t0);
        assertThat(answer.status()).as(answer.body()).isEqualTo(503);
        assertThat(answer.body()).contains("Kafka", "nothing was published");
        assertThat(seconds)
                .as("the publish answered %.1f s after the broker died", seconds)
                .isLessThanOrEqualTo(30);

        c.startBroker();
        c.service("ingest-service").awaitHealthy("/q/health/ready", Duration.ofSeconds(60));
        long visible = Outputs.count(bootstrap, Topics.SAMPLES_TRAIN, "crash/", "read_committed");
        long announced =
                TopicReader.readAll(bootstrap, Topics.EVENTS, "read_committed").stream()
                        .filter(r -> "crash".equals(r.key()))
                        .count();
        assertThat(visible).as("records of the failed split visible to read_committed").isZero();
        assertThat(announced).isZero();

        Cluster.Answer again =
                c.post(
                        "ingest-service",
                        "/datasets",
                        "{\"directory\": \"crash\", \"dataset\": \"crash\"}");
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        Map<String, Integer> seen = new HashMap<>();
        TopicReader.readAll(bootstrap, Topics.SAMPLES_TRAIN, "read_committed").stream()
                .filter(r -> r.key().startsWith("crash/"))
                .forEach(r -> seen.merge(r.key(), 1, Integer::sum));
        long[] ld = Outputs.lostAndDuplicated(seen, ids("crash", Split.TRAIN, CRASH_ROWS));
        assertThat(ld).containsExactly(0, 0);
        Outputs.report(
                f(
                        "broker SIGKILL mid-ingest: %d records written before the kill, HTTP %d after %.1f s, %d of the split "
                                + "visible (read_committed); after the restart the next ingest committed %d: %d lost, %d duplicated",
                        sent, answer.status(), seconds, visible, seen.size(), ld[0], ld[1]));
    }

    @Test
    @Order(2)
    void ingestKilledMidPublishIsFencedWhenItComesBack() throws Exception {
        long before = written(Topics.SAMPLES_TRAIN);
        publishAsync("crash", "crash-b");
        await(
                "records of the split reaching the broker",
                Duration.ofSeconds(60),
                () -> written(Topics.SAMPLES_TRAIN) - before > 2000);
        long sent = written(Topics.SAMPLES_TRAIN) - before;
        c.kill("ingest-service");
        long t0 = System.nanoTime();
        c.restart("ingest-service");
        double ready = since(t0);
        // a record written now is behind the dead transaction: read_committed readers see it once
        // that is aborted
        Sample marker =
                Sample.newBuilder()
                        .setId("marker/train/0")
                        .setDataset("marker")
                        .setSplit(Split.TRAIN)
                        .setLabel(1)
                        .build();
        try (KafkaProducer<String, byte[]> p =
                Producers.idempotent(bootstrap, "faults-marker", Map.of())) {
            for (int partition = 0; partition < 4; partition++) {
                p.send(
                                new ProducerRecord<>(
                                        Topics.SAMPLES_TRAIN,
                                        partition,
                                        marker.getId(),
                                        marker.toByteArray()))
                        .get();
            }
        }
        await(
                "the marker visible to read_committed",
                Duration.ofSeconds(120),
                () ->
                        Outputs.count(bootstrap, Topics.SAMPLES_TRAIN, "marker/", "read_committed")
                                == 4);
        double unblocked = since(t0);
        long visible = Outputs.count(bootstrap, Topics.SAMPLES_TRAIN, "crash-b/", "read_committed");
        assertThat(visible).isZero();
        assertThat(unblocked)
                .as(
                        "read_committed readers were held up %.1f s (the transaction timeout is 5 min)",
                        unblocked)
                .isLessThanOrEqualTo(15);
        Outputs.report(
                f(
                        "ingest SIGKILL mid-publish: %d records of an open transaction; restarted (ready in %.1f s), its transaction "
                                + "aborted at once: read_committed readers moved on %.1f s after the restart began; %d of the split visible",
                        sent, ready, unblocked, visible));
    }

    @Test
    @Order(3)
    void aModelIsTrainedAndItsOwnTestSplitScored() throws Exception {
        Cluster.Answer published =
                c.post(
                        "ingest-service",
                        "/datasets",
                        "{\"directory\": \"faults\", \"dataset\": \"faults\"}");
        assertThat(published.status()).as(published.body()).isEqualTo(200);
        JsonNode run = awaitRun(train("faults", 2), "RELEASED", Duration.ofMinutes(3));
        assertThat(run.get("promoted").asBoolean()).isTrue();
        v1 = run.get("modelVersion").asText();
    }

    @Test
    @Order(4)
    void inferenceKilledMidScoringResumesAtOnceWithNothingLostOrTwice() throws Exception {
        // streamed samples too (no publication): the live path
        try (KafkaProducer<String, byte[]> p =
                Producers.idempotent(bootstrap, "faults-live", Map.of())) {
            for (int i = 0; i < LIVE_ROWS; i++) {
                Sample s =
                        Sample.newBuilder()
                                .setId(SampleIds.of("live", Split.TEST, i))
                                .setDataset("live")
                                .setSplit(Split.TEST)
                                .setRowId(i)
                                .addAllImage(floats(784, i))
                                .addAllAudio(floats(507, i))
                                .build();
                p.send(Splits.record(s, null));
            }
        }
        long start = written(Topics.PREDICTIONS);
        await(
                "a fifth of the split scored",
                Duration.ofMinutes(3),
                () -> written(Topics.PREDICTIONS) - start > TEST_ROWS / 5);
        c.kill("inference-service");
        long atKill = written(Topics.PREDICTIONS);
        long committedAtKill = Outputs.predictions(bootstrap, v1, "faults/").size();
        long t0 = System.nanoTime();
        c.launch("inference-service");
        await(
                "new predictions after the restart",
                Duration.ofSeconds(60),
                () -> written(Topics.PREDICTIONS) - atKill > 50);
        double resumed = since(t0);
        await(
                "the whole split scored",
                Duration.ofMinutes(3),
                () ->
                        Outputs.predictions(bootstrap, v1, "faults/").size() == TEST_ROWS
                                && Outputs.predictions(bootstrap, v1, "live/").size() == LIVE_ROWS);
        Thread.sleep(2000); // anything more would be a duplicate
        long[] split =
                Outputs.lostAndDuplicated(
                        Outputs.predictions(bootstrap, v1, "faults/"),
                        ids("faults", Split.TEST, TEST_ROWS));
        long[] live =
                Outputs.lostAndDuplicated(
                        Outputs.predictions(bootstrap, v1, "live/"),
                        ids("live", Split.TEST, LIVE_ROWS));
        assertThat(split).containsExactly(0, 0);
        assertThat(live).containsExactly(0, 0);
        assertThat(resumed)
                .as("scoring resumed %.1f s after the restart began", resumed)
                .isLessThanOrEqualTo(10);
        Outputs.report(
                f(
                        "inference SIGKILL mid-scoring: %d of %d split samples committed at the kill; scoring resumed %.1f s after "
                                + "the restart began (static membership, no session timeout); split: %d lost, %d duplicated; %d streamed samples: "
                                + "%d lost, %d duplicated",
                        committedAtKill,
                        TEST_ROWS,
                        resumed,
                        split[0],
                        split[1],
                        LIVE_ROWS,
                        live[0],
                        live[1]));
    }

    static List<Float> floats(int n, int seed) {
        List<Float> v = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            v.add((float) ((i * 31 + seed * 7) % 255));
        }
        return v;
    }

    @Test
    @Order(5)
    void brokerKilledMidScoringLosesAndRepeatsNothing() throws Exception {
        long start = written(Topics.PREDICTIONS);
        JsonNode run = awaitRun(train("faults", 1), "RELEASED", Duration.ofMinutes(3));
        String v2 = run.get("modelVersion").asText();
        await(
                "a fifth of the split scored by " + v2,
                Duration.ofMinutes(3),
                () -> written(Topics.PREDICTIONS) - start > TEST_ROWS / 5);
        long committedAtKill = Outputs.predictions(bootstrap, v2, "faults/").size();
        c.killBroker();
        Thread.sleep(2000);
        long restartedMs = System.currentTimeMillis();
        c.startBroker();
        await(
                "the whole split scored by " + v2,
                Duration.ofMinutes(4),
                () -> Outputs.predictions(bootstrap, v2, "faults/").size() == TEST_ROWS);
        Thread.sleep(2000);
        long[] ld =
                Outputs.lostAndDuplicated(
                        Outputs.predictions(bootstrap, v2, "faults/"),
                        ids("faults", Split.TEST, TEST_ROWS));
        // the precondition: the kill came mid-job, so the restart had scoring left to do
        long scoredAfterRestart =
                Outputs.predictionsWrittenSince(bootstrap, v2, "faults/", restartedMs);
        assertThat(committedAtKill).as("committed at the kill").isLessThan(TEST_ROWS);
        assertThat(scoredAfterRestart).as("predictions written after the restart").isPositive();
        assertThat(ld).containsExactly(0, 0);
        Outputs.report(
                f(
                        "broker SIGKILL mid-scoring: %d of %d committed at the kill, %d written after the restart; %d lost, %d duplicated",
                        committedAtKill, TEST_ROWS, scoredAfterRestart, ld[0], ld[1]));
    }

    @Test
    @Order(6)
    void trainerKilledMidRunStartsItOverAndASplitPublishedMeanwhileTrainsAfterIt()
            throws Exception {
        String id = train("faults", 200);
        JsonNode before = awaitRun(id, "TRAINING", Duration.ofMinutes(2));
        c.kill("trainer-service");
        Cluster.Answer published =
                c.post(
                        "ingest-service",
                        "/datasets",
                        "{\"directory\": \"while-down\", \"dataset\": \"while-down\"}");
        assertThat(published.status()).as(published.body()).isEqualTo(200);
        String publication = published.json().at("/splits/0/publication").asText();
        Map<String, String> env =
                new HashMap<>(
                        Map.of(
                                "TRAINER_MODEL",
                                "small",
                                "TRAINER_EPOCHS",
                                "2",
                                "TRAINER_AUTO_TRAIN",
                                "true"));
        c.start("trainer-service", env);

        // the queue is digits.events: the run it was in the middle of is not lost but run again
        JsonNode again = awaitRun(id, "TRAINING", Duration.ofMinutes(2));
        assertThat(again.get("startedMs").asLong()).isGreaterThan(before.get("startedMs").asLong());
        long started =
                TopicReader.readAll(bootstrap, Topics.EVENTS, "read_committed").stream()
                        .filter(r -> id.equals(r.key()))
                        .filter(r -> parse(r.value()).hasTrainingStarted())
                        .count();
        assertThat(started).as("TrainingStarted events of %s", id).isEqualTo(2);
        // the split published meanwhile queued its run behind it; cancelling the long run lets it
        // go
        assertThat(c.delete("trainer-service", "/trainings/" + id).status()).isEqualTo(200);
        JsonNode cancelled = awaitRun(id, "CANCELLED", Duration.ofSeconds(60));
        long released =
                TopicReader.readAll(bootstrap, Topics.MODELS, "read_committed").stream()
                        .filter(r -> r.key().endsWith("/" + id))
                        .count();
        assertThat(released).isZero();
        JsonNode[] queued = new JsonNode[1];
        await(
                "a run for the split published while the trainer was down",
                Duration.ofSeconds(60),
                () -> {
                    try {
                        for (JsonNode r :
                                c.get("trainer-service", "/trainings?dataset=while-down").json()) {
                            if (publication.equals(r.path("publication").asText())) {
                                queued[0] = r;
                            }
                        }
                        return queued[0] != null;
                    } catch (Exception e) {
                        return false;
                    }
                });
        JsonNode done = awaitRun(queued[0].get("id").asText(), "RELEASED", Duration.ofMinutes(3));
        Outputs.report(
                f(
                        "trainer SIGKILL mid-run (epoch %d of 200): the trainer that came back ran it again (%d starts), "
                                + "then it was %s, %d releases of it; the train split published while the trainer was down "
                                + "queued run %s: %s as %s",
                        before.path("epoch").asInt(),
                        started,
                        cancelled.get("state").asText(),
                        released,
                        done.get("id").asText(),
                        done.get("state").asText(),
                        done.get("modelVersion").asText()));
    }

    static Event parse(byte[] value) {
        try {
            return Event.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @Order(7)
    void vizRestartedServesItsReportsWithoutBuildingThemAgain() throws Exception {
        JsonNode runs = c.get("trainer-service", "/trainings?dataset=while-down").json();
        String version = runs.get(runs.size() - 1).get("modelVersion").asText();
        Cluster.Answer requested =
                c.post(
                        "viz-service",
                        "/reports",
                        "{\"dataset\": \"while-down\", \"version\": \"" + version + "\"}");
        assertThat(requested.status()).as(requested.body()).isEqualTo(202);
        String path = "/reports/while-down/" + version + "/report.json";
        await(
                "the report",
                Duration.ofMinutes(2),
                () -> {
                    try {
                        return c.get("viz-service", path).status() == 200;
                    } catch (Exception e) {
                        return false;
                    }
                });
        long builtAt = c.get("viz-service", path).json().get("built_at_ms").asLong();
        int logBefore = c.log("viz-service").length();
        c.kill("viz-service");
        long t0 = System.nanoTime();
        c.restart("viz-service");
        double ready = since(t0);
        JsonNode listing = c.get("viz-service", "/reports?dataset=while-down").json();
        assertThat(listing.at("/reports/0/state").asText()).isEqualTo("READY");
        assertThat(c.get("viz-service", path).json().get("built_at_ms").asLong())
                .isEqualTo(builtAt);
        assertThat(
                        c.get("viz-service", "/reports/while-down/" + version + "/predictions.csv")
                                .body()
                                .lines())
                .hasSize(101);
        Thread.sleep(2000);
        String after = c.log("viz-service").substring(logBefore);
        assertThat(after).doesNotContain("building its report").doesNotContain("t-SNE iteration");
        Outputs.report(
                f(
                        "viz SIGKILL after its reports: restarted and ready in %.1f s, %d report(s) listed from its index, built 0 again "
                                + "(report.json built_at unchanged)",
                        ready, listing.get("reports").size()));
    }
}
