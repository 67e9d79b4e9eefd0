package mmdigits.trainer.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import mmdigits.common.Topics;
import mmdigits.common.kafka.DeadLetters;
import mmdigits.common.kafka.ModelKeys;
import mmdigits.common.kafka.Producers;
import mmdigits.common.kafka.Splits;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelPromoted;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import mmdigits.common.sample.TensorNames;
import mmdigits.common.security.Pem;
import mmdigits.common.security.ReleaseSignatures;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.Keys;
import mmdigits.localkafka.Scrape;
import mmdigits.localkafka.TopicReader;
import mmdigits.trainer.onnx.OrtRunner;
import mmdigits.trainer.training.Fixtures;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Through the real broker: a dataset's train samples → a run → a registered version on
 * digits.models, promoted as the first model; a worse model is registered but not promoted, and a
 * promotion and a rollback move the alias by request; runs queue (visible), can be cancelled, are
 * bounded; a published train split queues a run by itself, also while another runs. Runs in
 * failsafe (its own JVM): Quarkus loads the PyTorch natives in its class loader, and a JVM can load
 * them only once.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainingFlowIT {
    /** A token with the roles these calls need. */
    static final String TOKEN = KafkaBrokerTestResource.token("train", "admin");

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    static String firstVersion;

    /** The version of flow-small that the gate did not promote (a candidate in later tests). */
    static String worseVersion;

    /** The version of the one unsigned promotion the dead-letter test writes. */
    static final String FORGED_PROMOTION = "forged-promotion";

    static List<Sample> samples(String dataset, int n, long seed) {
        List<Sample> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            s.add(Fixtures.sample(dataset, i, seed));
        }
        return s;
    }

    static JsonPath awaitFinished(String id, Duration timeout) throws InterruptedException {
        JsonPath run = null;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            run =
                    given().auth()
                            .oauth2(TOKEN)
                            .get("/trainings/" + id)
                            .then()
                            .statusCode(200)
                            .extract()
                            .jsonPath();
            if (List.of("RELEASED", "FAILED", "CANCELLED").contains(run.getString("state"))) {
                return run;
            }
            Thread.sleep(300);
        }
        throw new AssertionError(
                "run " + id + " did not finish: " + (run == null ? "" : run.prettify()));
    }

    KafkaProducer<String, byte[]> producer() {
        return Producers.idempotent(bootstrap, "training-flow", Map.of());
    }

    /** Samples streamed one by one (no publication): a run finds them by scanning the topic. */
    void stream(List<Sample> samples) {
        try (KafkaProducer<String, byte[]> p = producer()) {
            for (Sample s : samples) {
                p.send(new ProducerRecord<>(Topics.SAMPLES_TRAIN, s.getId(), s.toByteArray()));
            }
        }
    }

    static String post(String body) {
        return given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(body)
                .when()
                .post("/trainings")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
    }

    List<Event> events(String key) throws Exception {
        List<Event> events = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r :
                TopicReader.readAll(bootstrap, Topics.EVENTS, "read_committed")) {
            if (key.equals(r.key())) {
                events.add(Event.parseFrom(r.value()));
            }
        }
        return events;
    }

    /**
     * The signed promotions and rollbacks on digits.promotions, in order; each verifies with the
     * release key and carries a rising sequence. The one unsigned record {@link
     * #everyConsumerDeadLettersTheSameWay} writes is left out (and checked to be that one).
     */
    List<ModelPromoted> promotions() throws Exception {
        PublicKey verifyKey =
                Pem.publicKey(
                        KafkaBrokerTestResource.testKeys().resolve(Keys.RELEASE_VERIFY),
                        ReleaseSignatures.ALGORITHM);
        List<ModelPromoted> promotions = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r :
                TopicReader.readAll(bootstrap, Topics.PROMOTIONS, "read_committed")) {
            if (r.headers().lastHeader(ReleaseSignatures.HEADER) == null) {
                assertThat(ModelPromoted.parseFrom(r.value()).getVersion())
                        .isEqualTo(FORGED_PROMOTION);
                continue;
            }
            ReleaseSignatures.verify(r.value(), r.headers(), verifyKey, "promotion");
            ModelPromoted p = ModelPromoted.parseFrom(r.value());
            assertThat(p.getSequence()).isEqualTo(promotions.size() + 1L);
            assertThat(r.key()).isEqualTo(p.getAlias());
            promotions.add(p);
        }
        return promotions;
    }

    @Test
    @Order(1)
    void aStreamedDatasetIsTrainedRegisteredAndPromotedAsTheFirstModel() throws Exception {
        TopicAdmin.ensureTopics(bootstrap, Duration.ofSeconds(30));
        List<Sample> flow = samples("flow", 300, 3);
        flow.add(Fixtures.sample("flow", 7, 3)); // a re-delivered sample: counted once
        stream(flow);
        try (KafkaProducer<String, byte[]> p = producer()) {
            // a poison record: dead-lettered with its reason, the load goes on
            p.send(
                    new ProducerRecord<>(
                            Topics.SAMPLES_TRAIN,
                            "flow/train/poison",
                            "not a sample".getBytes(StandardCharsets.UTF_8)));
        }

        String id = post("{\"dataset\": \"flow\", \"epochs\": 3, \"batchSize\": 32}");
        // a second run waits in the queue, visible, and can be cancelled before it starts
        String second = post("{\"dataset\": \"flow\", \"epochs\": 1}");
        given().auth()
                .oauth2(TOKEN)
                .get("/trainings")
                .then()
                .body("find { it.id == '" + second + "' }.state", equalTo("QUEUED"));
        given().auth()
                .oauth2(TOKEN)
                .delete("/trainings/" + second)
                .then()
                .statusCode(200)
                .body("state", equalTo("CANCELLED"));
        given().auth()
                .oauth2(TOKEN)
                .delete("/trainings/" + second)
                .then()
                .statusCode(409)
                .contentType("application/problem+json");

        JsonPath run = awaitFinished(id, Duration.ofMinutes(3));
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("RELEASED");
        assertThat(run.getLong("trainSamples") + run.getLong("validationSamples")).isEqualTo(300);
        assertThat(run.getList("history")).hasSize(3);
        assertThat(run.getDouble("metrics.export_max_abs_delta")).isLessThanOrEqualTo(1e-4);
        assertThat(run.getBoolean("promoted")).isTrue();
        assertThat(run.getString("promotionReason")).isEqualTo("no version was promoted before");
        assertThat(run.getString("modelName")).isEqualTo("flow");
        String version = run.getString("modelVersion");
        firstVersion = version;

        ModelRelease release = null;
        PublicKey verifyKey =
                Pem.publicKey(
                        KafkaBrokerTestResource.testKeys().resolve(Keys.RELEASE_VERIFY),
                        ReleaseSignatures.ALGORITHM);
        for (ConsumerRecord<String, byte[]> r :
                TopicReader.readAll(bootstrap, Topics.MODELS, "read_committed")) {
            if (r.key().equals(ModelKeys.of("flow", version))) {
                release = ModelRelease.parseFrom(r.value());
                // signed by the trainer's key, over the value as sent
                ReleaseSignatures.verify(r.value(), r.headers(), verifyKey, "release");
            }
        }
        assertThat(release).as("release flow/%s on %s", version, Topics.MODELS).isNotNull();
        assertThat(release.getReleaseSequence()).isPositive();
        assertThat(release.getDataset()).isEqualTo("flow");
        assertThat(release.getEmbeddingDim()).isEqualTo(32);
        assertThat(release.getBlankAudioCount()).isEqualTo(507);
        var s = Fixtures.sample("flow", 5000, 9);
        try (OrtRunner ort = new OrtRunner(release.getOnnx().toByteArray())) {
            Map<String, float[]> out =
                    ort.run(
                            Map.of("image", Fixtures.image(s), "audio", Fixtures.audio(s)),
                            Map.of("image", new long[] {1, 784}, "audio", new long[] {1, 507}),
                            TensorNames.PROBABILITIES,
                            TensorNames.EMBEDDING);
            assertThat(out.get(TensorNames.PROBABILITIES)).hasSize(10);
            assertThat(out.get(TensorNames.EMBEDDING)).hasSize(32);
        }
        byte[] served =
                given().auth()
                        .oauth2(TOKEN)
                        .get("/models/latest/model.onnx")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asByteArray();
        assertThat(served).isEqualTo(release.getOnnx().toByteArray());
        given().auth()
                .oauth2(TOKEN)
                .get("/models/latest")
                .then()
                .statusCode(200)
                .body("version", equalTo(version))
                .body("promoted", equalTo(true));
        given().auth()
                .oauth2(TOKEN)
                .get("/models")
                .then()
                .statusCode(200)
                .body("alias.alias", equalTo("digits"))
                .body("alias.name", equalTo("flow"))
                .body("alias.version", equalTo(version));

        // the run's events: queued, started, one per epoch, the result naming the version; then the
        // promotion
        List<Event> events = events(id);
        assertThat(events)
                .extracting(e -> e.getPayloadCase().name())
                .containsExactly(
                        "TRAINING_QUEUED",
                        "TRAINING_STARTED",
                        "TRAINING_PROGRESS",
                        "TRAINING_PROGRESS",
                        "TRAINING_PROGRESS",
                        "TRAINING_RESULT");
        assertThat(events.get(5).getTrainingResult().getModelVersion()).isEqualTo(version);
        assertThat(events.get(5).getTrainingResult().getPromoted()).isTrue();
        assertThat(promotions()).extracting(ModelPromoted::getVersion).containsExactly(version);
        assertThat(events("digits")).as("no promotion on digits.events").isEmpty();
        assertThat(events(second))
                .extracting(e -> e.getPayloadCase().name())
                .containsExactly("TRAINING_QUEUED", "TRAINING_CANCEL_REQUESTED", "TRAINING_RESULT");
        assertThat(events(second).get(2).getTrainingResult().getState()).isEqualTo("CANCELLED");

        List<ConsumerRecord<String, byte[]>> dead =
                TopicReader.readAll(bootstrap, Topics.DEAD_LETTER, "read_committed").stream()
                        .filter(r -> "flow/train/poison".equals(r.key()))
                        .toList();
        assertThat(dead).hasSize(1);
        assertThat(DeadLetters.reason(dead.get(0).headers())).startsWith("undecodable Sample");
    }

    @Test
    @Order(2)
    void everyConsumerDeadLettersTheSameWay() throws Exception {
        byte[] garbage = {(byte) 0xff, 0x01, 0x02};
        try (KafkaProducer<String, byte[]> p = producer()) {
            p.send(
                    new ProducerRecord<>(
                            Topics.EVENTS,
                            "flow/poison-event",
                            garbage)); // the events channel: the connector's strategy
            p.send(
                    new ProducerRecord<>(
                            Topics.MODELS,
                            "flow/poison-release",
                            garbage)); // the models log: DeadLetters
            // a well-formed release nobody signed: refused and dead-lettered with the reason, never
            // registered
            p.send(
                    new ProducerRecord<>(
                            Topics.MODELS,
                            "flow/forged",
                            ModelRelease.newBuilder()
                                    .setName("flow")
                                    .setVersion("forged")
                                    .setReleaseSequence(Long.MAX_VALUE)
                                    .setCreatedMs(Long.MAX_VALUE)
                                    .build()
                                    .toByteArray()));
            // a promotion nobody signed, for a version that exists: refused, the alias stays
            p.send(
                    new ProducerRecord<>(
                            Topics.PROMOTIONS,
                            "digits",
                            ModelPromoted.newBuilder()
                                    .setAlias("digits")
                                    .setName("flow")
                                    .setVersion(FORGED_PROMOTION)
                                    .setSequence(Long.MAX_VALUE)
                                    .build()
                                    .toByteArray()));
        }
        Map<String, ConsumerRecord<String, byte[]>> dead = new HashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (dead.size() < 5 && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r :
                    TopicReader.readAll(bootstrap, Topics.DEAD_LETTER, "read_committed")) {
                if (List.of(
                                "flow/train/poison",
                                "flow/poison-event",
                                "flow/poison-release",
                                "flow/forged",
                                "digits")
                        .contains(r.key())) {
                    dead.put(r.key(), r);
                }
            }
            Thread.sleep(300);
        }
        assertThat(dead)
                .containsOnlyKeys(
                        "flow/train/poison",
                        "flow/poison-event",
                        "flow/poison-release",
                        "flow/forged",
                        "digits");
        assertThat(DeadLetters.reason(dead.get("digits").headers()))
                .isEqualTo(
                        "refused record on digits.promotions: the promotion is not signed (no mmdigits-signature header)");
        given().auth()
                .oauth2(TOKEN)
                .get("/models")
                .then()
                .body("alias.version", equalTo(firstVersion));
        dead.remove("digits");
        assertThat(DeadLetters.reason(dead.get("flow/forged").headers()))
                .isEqualTo(
                        "refused record on digits.models: the release is not signed (no mmdigits-signature header)");
        given().auth()
                .oauth2(TOKEN)
                .get("/models/flow")
                .then()
                .statusCode(200)
                .body("version", not(hasItem("forged")));
        dead.remove("flow/forged");
        assertThat(text(dead.get("flow/poison-event"), DeadLetters.TOPIC)).isEqualTo(Topics.EVENTS);
        assertThat(text(dead.get("flow/poison-event"), DeadLetters.EXCEPTION))
                .contains("InvalidProtocolBufferException");
        assertThat(text(dead.get("flow/poison-release"), DeadLetters.TOPIC))
                .isEqualTo(Topics.MODELS);
        assertThat(DeadLetters.reason(dead.get("flow/poison-release").headers()))
                .startsWith("undecodable record on digits.models");
        assertThat(text(dead.get("flow/poison-release"), DeadLetters.CAUSE_CLASS))
                .contains("InvalidProtocolBufferException");
        for (ConsumerRecord<String, byte[]> d : dead.values()) {
            assertThat(d.value())
                    .as(d.key())
                    .isEqualTo(
                            d.key().equals("flow/train/poison")
                                    ? "not a sample".getBytes(StandardCharsets.UTF_8)
                                    : garbage);
            List<String> names = new ArrayList<>();
            d.headers().forEach(h -> names.add(h.key()));
            assertThat(names).as(d.key()).containsAll(DeadLetters.HEADERS);
            assertThat(Long.parseLong(text(d, DeadLetters.OFFSET))).isNotNegative();
        }
        assertDeadLettersCountedBySourceTopic();
    }

    /**
     * Every dead letter on the topic (all the trainer's here) is counted under its source topic.
     */
    void assertDeadLettersCountedBySourceTopic() throws Exception {
        Map<String, Long> bySource =
                TopicReader.readAll(bootstrap, Topics.DEAD_LETTER, "read_committed").stream()
                        .collect(
                                Collectors.groupingBy(
                                        r -> text(r, DeadLetters.TOPIC), Collectors.counting()));
        assertThat(bySource).containsKeys(Topics.EVENTS, Topics.MODELS, Topics.PROMOTIONS);
        Scrape m = Scrape.now();
        for (String topic :
                List.of(Topics.EVENTS, Topics.MODELS, Topics.PROMOTIONS, Topics.SAMPLES_TRAIN)) {
            assertThat(
                            m.sum(
                                    "mmdigits_dead_letters_total",
                                    "service=trainer-service",
                                    "topic=" + topic))
                    .as(topic)
                    .isEqualTo((double) bySource.getOrDefault(topic, 0L));
        }
    }

    static String text(ConsumerRecord<String, byte[]> r, String header) {
        return DeadLetters.text(r.headers(), header);
    }

    @Test
    @Order(3)
    void aWorseModelIsRegisteredButNotPromotedUntilAskedAndARollbackReturns() throws Exception {
        // the same kind of data, few samples (streamed: no publication, so no run of its own), a
        // learning rate too small
        // to learn anything in one epoch
        stream(samples("flow-small", 100, 5));
        String id =
                post(
                        "{\"dataset\": \"flow-small\", \"epochs\": 1, \"learningRate\": 0.000001, \"validationFraction\": 0.5}");
        JsonPath run = awaitFinished(id, Duration.ofMinutes(3));
        assertThat(run.getString("state")).as(run.prettify()).isEqualTo("RELEASED");
        assertThat(run.getBoolean("promoted")).as(run.getString("promotionReason")).isFalse();
        assertThat(run.getString("promotionReason"))
                .contains("of the promoted flow/" + firstVersion)
                .contains("below it, kept registered, not promoted");
        String worse = run.getString("modelVersion");
        worseVersion = worse;
        given().auth()
                .oauth2(TOKEN)
                .get("/models")
                .then()
                .body("alias.version", equalTo(firstVersion));
        given().auth()
                .oauth2(TOKEN)
                .get("/models/flow-small")
                .then()
                .statusCode(200)
                .body("[0].version", equalTo(worse))
                .body("[0].promoted", equalTo(false));

        // promotion on request, then one call back
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"version\": \"" + worse + "\"}")
                .post("/models/flow-small/promote")
                .then()
                .statusCode(200)
                .body("name", equalTo("flow-small"))
                .body("version", equalTo(worse));
        given().auth()
                .oauth2(TOKEN)
                .post("/models/rollback")
                .then()
                .statusCode(200)
                .body("name", equalTo("flow"))
                .body("version", equalTo(firstVersion));
        given().auth()
                .oauth2(TOKEN)
                .post("/models/rollback")
                .then()
                .statusCode(409)
                .contentType("application/problem+json")
                .body("detail", containsString("no earlier registered target"));
        assertThat(promotions())
                .extracting(p -> p.getName() + "/" + p.getVersion() + " " + p.getRollback())
                .containsExactly(
                        "flow/" + firstVersion + " false",
                        "flow-small/" + worse + " false",
                        "flow/" + firstVersion + " true");
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"version\": \"nope\"}")
                .post("/models/flow/promote")
                .then()
                .statusCode(404);
        given().auth().oauth2(TOKEN).post("/models/nope/promote").then().statusCode(404);
    }

    @Test
    @Order(4)
    void publishedTrainSplitsQueueTheirRunsAndARunningOneCanBeCancelled() throws Exception {
        // two train splits published back to back: both queue a run (the second while the first
        // runs)
        Splits.publish(bootstrap, "auto-a", Split.TRAIN, samples("auto-a", 200, 11));
        Splits.publish(bootstrap, "auto-b", Split.TRAIN, samples("auto-b", 200, 12));
        List<String> runs = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (runs.size() < 2 && System.nanoTime() < deadline) {
            runs =
                    given().auth()
                            .oauth2(TOKEN)
                            .get("/trainings")
                            .then()
                            .extract()
                            .jsonPath()
                            .getList("findAll { it.dataset in ['auto-a', 'auto-b'] }.id");
            Thread.sleep(200);
        }
        assertThat(runs).hasSize(2);
        for (String id : runs) {
            JsonPath run = awaitFinished(id, Duration.ofMinutes(3));
            assertThat(run.getString("state")).as(run.prettify()).isEqualTo("RELEASED");
            assertThat(run.getString("publication"))
                    .startsWith(run.getString("dataset") + "/train/");
            assertThat(run.getLong("trainSamples") + run.getLong("validationSamples"))
                    .isEqualTo(200);
        }
        given().auth()
                .oauth2(TOKEN)
                .get("/trainings?dataset=auto-b")
                .then()
                .body("size()", equalTo(1));

        // a long run, cancelled while it trains: nothing is released
        String id = post("{\"dataset\": \"flow\", \"epochs\": 200}");
        deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!"TRAINING"
                        .equals(
                                given().auth()
                                        .oauth2(TOKEN)
                                        .get("/trainings/" + id)
                                        .then()
                                        .extract()
                                        .path("state"))
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        given().auth().oauth2(TOKEN).delete("/trainings/" + id).then().statusCode(200);
        JsonPath run = awaitFinished(id, Duration.ofSeconds(60));
        assertThat(run.getString("state")).isEqualTo("CANCELLED");
        assertThat(run.getString("modelVersion")).isNull();
        assertThat(TopicReader.readAll(bootstrap, Topics.MODELS, "read_committed"))
                .noneMatch(r -> r.key().endsWith("/" + id));
        assertRunsCountedByEndState();
    }

    @Test
    @Order(5)
    void aCanaryOrAShadowBesideTheTargetIsPromotedOrRolledBackInOneCall() throws Exception {
        JsonPath alias = given().get("/models").then().statusCode(200).extract().jsonPath();
        String targetName = alias.getString("alias.name");
        String target = alias.getString("alias.version");
        assertThat(target).isNotEqualTo(worseVersion);
        int before = promotions().size();
        assertCandidateRefused("flow-small", "{\"version\": \"nope\", \"percent\": 10}", 404)
                .body("detail", containsString("'nope'"));
        for (String percent : List.of("0", "100", "10.5", "-3", "null")) {
            assertCandidateRefused(
                            "flow-small",
                            "{\"version\": \"" + worseVersion + "\", \"percent\": " + percent + "}",
                            400)
                    .body("field", equalTo("percent"));
        }
        assertCandidateRefused("flow-small", "{\"percent\": 10}", 400)
                .body("field", equalTo("version"));
        assertCandidateRefused(
                        targetName, "{\"version\": \"" + target + "\", \"percent\": 10}", 409)
                .body("detail", containsString("is the alias' target already"));
        given().auth()
                .oauth2(TOKEN)
                .post("/models/candidate/promote")
                .then()
                .statusCode(409)
                .body("detail", containsString("has no candidate"));

        // a 10 % canary beside the target, promoted to 100 % in one call, rolled back in one
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"version\": \"" + worseVersion + "\", \"percent\": 10}")
                .post("/models/flow-small/canary")
                .then()
                .statusCode(200)
                .body("version", equalTo(target))
                .body("candidate.name", equalTo("flow-small"))
                .body("candidate.version", equalTo(worseVersion))
                .body("candidate.mode", equalTo("CANARY"))
                .body("candidate.percent", equalTo(10));
        given().get("/models").then().body("alias.candidate.version", equalTo(worseVersion));
        given().auth()
                .oauth2(TOKEN)
                .post("/models/candidate/promote")
                .then()
                .statusCode(200)
                .body("version", equalTo(worseVersion))
                .body("candidate", equalTo(null));
        given().auth()
                .oauth2(TOKEN)
                .post("/models/rollback")
                .then()
                .statusCode(200)
                .body("version", equalTo(target));
        // a shadow, ended by a rollback that leaves the target where it is
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"version\": \"" + worseVersion + "\"}")
                .post("/models/flow-small/shadow")
                .then()
                .statusCode(200)
                .body("version", equalTo(target))
                .body("candidate.mode", equalTo("SHADOW"))
                .body("candidate.percent", equalTo(0));
        given().auth()
                .oauth2(TOKEN)
                .post("/models/rollback")
                .then()
                .statusCode(200)
                .body("version", equalTo(target))
                .body("candidate", equalTo(null));

        List<ModelPromoted> written = promotions(); // each signed, sequence rising by one
        assertThat(written.subList(before, written.size()))
                .extracting(
                        p ->
                                p.getVersion()
                                        + " "
                                        + p.getRollback()
                                        + " "
                                        + p.getCandidateMode()
                                        + " "
                                        + p.getCandidateVersion()
                                        + " "
                                        + p.getCandidatePercent())
                .containsExactly(
                        target + " false CANARY " + worseVersion + " 10",
                        worseVersion + " false CANDIDATE_NONE  0",
                        target + " true CANDIDATE_NONE  0",
                        target + " false SHADOW " + worseVersion + " 0",
                        target + " true CANDIDATE_NONE  0");
    }

    static ValidatableResponse assertCandidateRefused(String name, String body, int status) {
        return given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(body)
                .post("/models/" + name + "/canary")
                .then()
                .statusCode(status)
                .contentType("application/problem+json");
    }

    /**
     * This one replica ran every run: its finished runs by end state are the runs listed in that
     * state, and with nothing running its epoch gauges are back to 0.
     */
    void assertRunsCountedByEndState() throws IOException {
        List<String> states =
                given().auth()
                        .oauth2(TOKEN)
                        .get("/trainings")
                        .then()
                        .extract()
                        .jsonPath()
                        .getList("state");
        Scrape m = Scrape.now();
        for (String state : List.of("RELEASED", "FAILED", "CANCELLED")) {
            assertThat(m.sum("mmdigits_trainer_runs_finished_total", "state=" + state))
                    .as(state)
                    .isEqualTo(states.stream().filter(state::equals).count());
        }
        assertThat(m.sum("mmdigits_trainer_runs_finished_total", "state=CANCELLED")).isEqualTo(2);
        assertThat(m.sum("mmdigits_trainer_run_epoch")).isZero();
        assertThat(m.sum("mmdigits_trainer_run_epochs")).isZero();
        m.assertDocumented();
    }

    @Test
    void badRequestsAndUnknownRuns() {
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"dataset\": \"flow\", \"epochs\": 0}")
                .post("/trainings")
                .then()
                .statusCode(400)
                .body("field", equalTo("epochs"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"dataset\": \"flow\", \"epochs\": 100000}")
                .post("/trainings")
                .then()
                .statusCode(400)
                .body("field", equalTo("epochs"))
                .body("detail", containsString("trainer.max-epochs"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"epochs\": 1}")
                .post("/trainings")
                .then()
                .statusCode(400)
                .body("field", equalTo("dataset"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"dataset\": \"a b\"}")
                .post("/trainings")
                .then()
                .statusCode(400);
        given().auth()
                .oauth2(TOKEN)
                .get("/trainings/nope")
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        given().auth().oauth2(TOKEN).delete("/trainings/nope").then().statusCode(404);
    }
}
