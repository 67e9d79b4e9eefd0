package mmdigits.inference.messaging;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import mmdigits.common.Topics;
import mmdigits.common.kafka.DeadLetters;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.common.proto.CandidateMode;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.proto.Prediction;
import mmdigits.common.proto.Sample;
import mmdigits.common.security.ReleaseSignatures;
import mmdigits.inference.KafkaFixtures;
import mmdigits.inference.ReferenceModel;
import mmdigits.inference.Releases;
import mmdigits.inference.model.ModelRegistry;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.Scrape;
import mmdigits.localkafka.TopicReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Through the real broker: nothing is consumed or answered before a model; a release → every
 * streamed test sample scored once (prediction + embedding, values of the reference model); poison
 * → dead letters; a published split waits for the first promotion, then is scored once; promotions
 * and a rollback under HTTP load swap without a failed request; jobs score a split once per version
 * (a new model's own dataset, a request, a split published later), never the whole topic again.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(1)
class InferenceFlowTest {
    /** A token with the roles these calls need. */
    static final String TOKEN = KafkaBrokerTestResource.token("train");

    static final String DATASET = "flow";
    static final String PUBLISHED = "flow-split";
    static final int N = 40;
    static final int M = 20;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @TestHTTPResource("/")
    URL base;

    static List<Sample> samples() {
        List<Sample> s = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            s.add(KafkaFixtures.sample(DATASET, i, i < 30)); // the last 10 unlabelled
        }
        return s;
    }

    /** A published test split: {@code M} labelled samples. */
    static List<Sample> published(String dataset) {
        List<Sample> s = new ArrayList<>();
        for (int i = 0; i < M; i++) {
            s.add(KafkaFixtures.sample(dataset, i, true));
        }
        return s;
    }

    /**
     * Waits until every sample of the list has a prediction of the version, then checks that each
     * has exactly one.
     */
    void assertScoredOnce(String version, List<Sample> samples) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, List<Prediction>> p = Map.of();
        while (System.nanoTime() < deadline) {
            p = KafkaFixtures.predictions(bootstrap, version);
            Map<String, List<Prediction>> seen = p;
            if (samples.stream().allMatch(x -> seen.containsKey(x.getId()))) {
                break;
            }
            Thread.sleep(250);
        }
        Thread.sleep(1000); // anything more would be a duplicate
        p = KafkaFixtures.predictions(bootstrap, version);
        ReferenceModel ref = Releases.MODELS.get(version);
        for (Sample x : samples) {
            assertThat(p.get(x.getId()))
                    .as("predictions of %s by %s", x.getId(), version)
                    .hasSize(1);
            assertThat((double) p.get(x.getId()).get(0).getProbabilities(3))
                    .isCloseTo(
                            ref.forward(KafkaFixtures.image(x), KafkaFixtures.audio(x))[0][3],
                            within(1e-5));
        }
    }

    @Test
    @Order(1)
    void beforeAModelNothingIsScoredOrAnswered() throws Exception {
        TopicAdmin.ensureTopics(bootstrap, Duration.ofSeconds(30));
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        samples().forEach(s -> records.add(KafkaFixtures.record(s)));
        KafkaFixtures.send(bootstrap, records);
        KafkaFixtures.publishSplit(bootstrap, PUBLISHED, published(PUBLISHED));

        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"image\":" + zeros(784) + "}")
                .post("/api/predictions")
                .then()
                .statusCode(503)
                .contentType("application/problem+json")
                .body("detail", containsString("no model 'digits' is loaded yet"));
        given().auth()
                .oauth2(TOKEN)
                .get("/q/health/ready")
                .then()
                .statusCode(503)
                .body("checks.find { it.name == 'model-loaded' }.status", equalTo("DOWN"));
        given().auth()
                .oauth2(TOKEN)
                .get("/v2/health/ready")
                .then()
                .statusCode(400)
                .body("ready", equalTo(false));
        given().auth()
                .oauth2(TOKEN)
                .get("/v2/health/live")
                .then()
                .statusCode(200)
                .body("live", equalTo(true));
        given().auth()
                .oauth2(TOKEN)
                .get("/v2/models/digits")
                .then()
                .statusCode(503)
                .body("error", containsString("no model"));
        given().auth()
                .oauth2(TOKEN)
                .get("/api/model")
                .then()
                .statusCode(200)
                .body("loaded", equalTo(false));

        Thread.sleep(3000); // time the service would need to consume
        try (Admin admin = TopicAdmin.admin(bootstrap)) {
            var offsets =
                    admin.listConsumerGroupOffsets("mmdigits-inference")
                            .partitionsToOffsetAndMetadata()
                            .get(10, TimeUnit.SECONDS);
            assertThat(offsets)
                    .as("committed offsets of the inference group before any model")
                    .isEmpty();
        }
        assertThat(TopicReader.readAll(bootstrap, Topics.PREDICTIONS, "read_committed")).isEmpty();
    }

    @Test
    @Order(2)
    void aReleaseScoresEveryTestSampleOnceAndDeadLettersPoison() throws Exception {
        KafkaFixtures.send(
                bootstrap,
                List.of(
                        KafkaFixtures.poison("flow/test/poison", "not a sample"),
                        jsonRecord(
                                "{\"id\":\"flow/test/999\",\"dataset\":\"flow\",\"split\":\"TEST\",\"row_id\":999,\"image\":[1,2,3]}")));
        Releases.publish(bootstrap, "v1");
        assertThat(Releases.awaitLoaded("v1", Duration.ofSeconds(30))).isEqualTo("v1");
        given().auth().oauth2(TOKEN).get("/q/health/ready").then().statusCode(200);
        given().auth()
                .oauth2(TOKEN)
                .get("/v2/health/ready")
                .then()
                .statusCode(200)
                .body("ready", equalTo(true));

        Map<String, List<Prediction>> predictions =
                KafkaFixtures.awaitPredictions(bootstrap, "v1", N, Duration.ofSeconds(60));
        Thread.sleep(1000); // anything more would be a duplicate
        predictions = KafkaFixtures.predictions(bootstrap, "v1");
        ReferenceModel ref = Releases.MODELS.get("v1");
        assertThat(predictions).hasSize(N);
        for (Sample s : samples()) {
            List<Prediction> ps = predictions.get(s.getId());
            assertThat(ps).as(s.getId()).hasSize(1);
            Prediction p = ps.get(0);
            double[] expected = ref.forward(KafkaFixtures.image(s), KafkaFixtures.audio(s))[0];
            assertThat(p.getProbabilitiesCount()).isEqualTo(10);
            for (int k = 0; k < 10; k++) {
                assertThat((double) p.getProbabilities(k)).isCloseTo(expected[k], within(1e-5));
            }
            assertThat(p.getLabel())
                    .isEqualTo(ref.label(KafkaFixtures.image(s), KafkaFixtures.audio(s)));
            assertThat(p.getRowId()).isEqualTo(s.getRowId());
            assertThat(p.getDataset()).isEqualTo(DATASET);
        }

        Map<String, Embedding> embeddings = new ConcurrentHashMap<>();
        int count = 0;
        for (ConsumerRecord<String, byte[]> r :
                TopicReader.readAll(bootstrap, Topics.EMBEDDINGS, "read_committed")) {
            Embedding e = Embedding.parseFrom(r.value());
            assertThat(r.key()).isEqualTo(e.getSampleId());
            if (e.getModelVersion().equals("v1")) {
                embeddings.put(e.getSampleId(), e);
                count++;
            }
        }
        assertThat(count).isEqualTo(N);
        for (Sample s : samples()) {
            Embedding e = embeddings.get(s.getId());
            double[] h = ref.forward(KafkaFixtures.image(s), KafkaFixtures.audio(s))[1];
            assertThat(e.getVectorCount()).isEqualTo(ReferenceModel.D);
            for (int j = 0; j < h.length; j++) {
                assertThat((double) e.getVector(j)).isCloseTo(h[j], within(1e-4));
            }
            assertThat(e.hasTrueLabel()).isEqualTo(s.hasLabel());
            if (s.hasLabel()) {
                assertThat(e.getTrueLabel()).isEqualTo(s.getLabel());
            }
            assertThat(e.getPredictedLabel())
                    .isEqualTo(predictions.get(s.getId()).get(0).getLabel());
        }

        List<ConsumerRecord<String, byte[]>> dead =
                TopicReader.readAll(bootstrap, Topics.DEAD_LETTER, "read_committed");
        assertThat(dead)
                .extracting(ConsumerRecord::key)
                .contains("flow/test/poison", "flow/test/999");
        for (ConsumerRecord<String, byte[]> d : dead) {
            String reason = DeadLetters.reason(d.headers());
            if (d.key().equals("flow/test/poison")) {
                assertThat(reason).contains("undecodable Sample");
                assertThat(new String(d.value())).isEqualTo("not a sample");
            } else if (d.key().equals("flow/test/999")) {
                assertThat(reason).contains("image").contains("784");
            }
            assertThat(new String(d.headers().lastHeader(DeadLetters.TOPIC).value()))
                    .isEqualTo(Topics.SAMPLES_TEST);
        }
        // the poison did not stop the consumer: a sample sent after it is scored too
        Sample late = KafkaFixtures.sample(DATASET, N, true);
        KafkaFixtures.send(bootstrap, List.of(KafkaFixtures.record(late)));
        KafkaFixtures.awaitPredictions(bootstrap, "v1", N + 1, Duration.ofSeconds(30));

        // the split published before any model waits for the first promotion; then it is scored
        // once
        assertThat(KafkaFixtures.predictions(bootstrap, "v1").keySet())
                .noneMatch(id -> id.startsWith(PUBLISHED + "/"));
        KafkaFixtures.send(bootstrap, List.of(KafkaFixtures.promotion("digits", "v1", false)));
        assertScoredOnce("v1", published(PUBLISHED));
        assertThat(KafkaFixtures.predictions(bootstrap, "v1").values())
                .as("nothing scored twice")
                .allSatisfy(ps -> assertThat(ps).hasSize(1));
        assertPublishToPredictionTimed("v1");
        assertDeadLettersCounted();
        assertLagDrainedToZero();
        Scrape.now().assertDocumented();
    }

    /**
     * Every sample v1 scored is timed once, by its kind of work; each time lies between its
     * prediction's scoring time and now, counted from its record's timestamp.
     */
    void assertPublishToPredictionTimed(String version) throws Exception {
        Map<String, Long> publishedAt = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r :
                TopicReader.readAll(bootstrap, Topics.SAMPLES_TEST, "read_committed")) {
            publishedAt.put(r.key(), r.timestamp());
        }
        long now = System.currentTimeMillis();
        for (String work : List.of("stream", "job")) {
            List<Prediction> scored =
                    KafkaFixtures.predictions(bootstrap, version).values().stream()
                            .map(ps -> ps.get(0))
                            .filter(p -> p.getDataset().equals(PUBLISHED) == work.equals("job"))
                            .toList();
            assertThat(scored).as(work).isNotEmpty();
            double low = 0;
            double high = 0;
            for (Prediction p : scored) {
                long at = publishedAt.get(p.getSampleId());
                low += (p.getScoredAtMs() - at) / 1000.0;
                high += (now - at) / 1000.0;
            }
            Scrape m = Scrape.now();
            String name = "mmdigits_inference_publish_to_prediction_seconds";
            String[] labels = {"work=" + work, "version=" + version};
            assertThat(m.sum(name + "_count", labels)).as(work).isEqualTo(scored.size());
            assertThat(m.sum(name + "_bucket", append(labels, "le=+Inf"))).isEqualTo(scored.size());
            assertThat(m.sum(name + "_sum", labels)).as(work).isBetween(low - 0.001, high);
        }
    }

    private static String[] append(String[] labels, String more) {
        String[] out = Arrays.copyOf(labels, labels.length + 1);
        out[labels.length] = more;
        return out;
    }

    /** The dead letters of the test topic on the topic are the ones counted. */
    void assertDeadLettersCounted() throws Exception {
        long letters =
                TopicReader.readAll(bootstrap, Topics.DEAD_LETTER, "read_committed").stream()
                        .filter(
                                d ->
                                        Topics.SAMPLES_TEST.equals(
                                                DeadLetters.text(d.headers(), DeadLetters.TOPIC)))
                        .count();
        assertThat(letters).isGreaterThanOrEqualTo(2);
        assertThat(
                        Scrape.now()
                                .sum(
                                        "mmdigits_dead_letters_total",
                                        "service=inference-service",
                                        "topic=" + Topics.SAMPLES_TEST))
                .isEqualTo(letters);
    }

    /** Everything on the test topic is scored: the group's lag, read from the broker, goes to 0. */
    void assertLagDrainedToZero() throws Exception {
        String name = "mmdigits_inference_consumer_lag_records";
        int partitions;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            partitions =
                    admin.describeTopics(List.of(Topics.SAMPLES_TEST))
                            .allTopicNames()
                            .get()
                            .get(Topics.SAMPLES_TEST)
                            .partitions()
                            .size();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Scrape m = Scrape.now();
        while (System.nanoTime() < deadline
                && !(m.series(name, "topic=" + Topics.SAMPLES_TEST).size() == partitions
                        && m.sum(name, "group=mmdigits-inference") == 0)) {
            Thread.sleep(500);
            m = Scrape.now();
        }
        assertThat(m.series(name, "topic=" + Topics.SAMPLES_TEST)).hasSize(partitions);
        assertThat(m.sum(name, "group=mmdigits-inference")).isZero();
    }

    @Test
    @Order(3)
    void promotionsAndARollbackUnderLoadFailNoRequest() throws Exception {
        Releases.publish(bootstrap, "v2"); // registered; the alias stays on the promoted v1
        awaitRegistered("v2");
        given().auth().oauth2(TOKEN).get("/api/model").then().body("version", equalTo("v1"));
        List<String> failures = new CopyOnWriteArrayList<>();
        Set<String> versions = ConcurrentHashMap.newKeySet();
        int ok =
                underLoad(
                        failures,
                        versions,
                        () -> {
                            KafkaFixtures.send(
                                    bootstrap,
                                    List.of(KafkaFixtures.promotion("digits", "v2", false)));
                            awaitServed("v2");
                            Thread.sleep(500);
                            KafkaFixtures.send(
                                    bootstrap,
                                    List.of(KafkaFixtures.promotion("digits", "v1", true)));
                            awaitServed("v1");
                        });
        assertThat(failures).as("failed requests during the promotion and the rollback").isEmpty();
        assertThat(versions).containsExactlyInAnyOrder("v1", "v2");
        assertThat(ok).isGreaterThan(50);
        // a version is reachable by its name (every release here is named 'digits') and by its id
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"image\":" + zeros(784) + "}")
                .post("/api/predictions?version=v2")
                .then()
                .statusCode(200)
                .body("modelVersion", equalTo("v2"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"image\":" + zeros(784) + "}")
                .post("/api/predictions?model=mnist")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("detail", containsString("unknown model 'mnist'"));
        // the streamed samples were not scored again by v2: a new model scores its own dataset and
        // what comes later
        assertThat(KafkaFixtures.predictions(bootstrap, "v2")).isEmpty();
    }

    @Test
    @Order(4)
    void jobsScoreASplitOncePerVersionNeverTheWholeTopic() throws Exception {
        // a model trained on the published split's dataset scores that split (and only it)
        Releases.publish(bootstrap, "v3");
        KafkaFixtures.send(bootstrap, List.of(KafkaFixtures.released("digits", "v3", PUBLISHED)));
        assertScoredOnce("v3", published(PUBLISHED));
        assertThat(KafkaFixtures.predictions(bootstrap, "v3").keySet())
                .allMatch(id -> id.startsWith(PUBLISHED + "/"));

        // on request: v2 scores it too, once; asking again creates nothing
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"dataset\": \"" + PUBLISHED + "\", \"version\": \"v2\"}")
                .post("/api/scorings")
                .then()
                .statusCode(202)
                .body("version", equalTo("v2"))
                .body("samples", equalTo(M))
                .body("created", equalTo(true));
        assertScoredOnce("v2", published(PUBLISHED));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"dataset\": \"" + PUBLISHED + "\", \"version\": \"v2\"}")
                .post("/api/scorings")
                .then()
                .statusCode(200)
                .body("created", equalTo(false));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"dataset\": \"nope\"}")
                .post("/api/scorings")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("detail", containsString("no test split of 'nope'"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{}")
                .post("/api/scorings")
                .then()
                .statusCode(400)
                .body("field", equalTo("dataset"));

        // a split published now is scored by the promoted v1 (after the rollback), and v1's
        // predictions of it come once
        List<Sample> later = published(PUBLISHED + "-later");
        KafkaFixtures.publishSplit(bootstrap, PUBLISHED + "-later", later);
        assertScoredOnce("v1", later);
        for (String v : List.of("v1", "v2", "v3")) {
            assertThat(KafkaFixtures.predictions(bootstrap, v).values())
                    .as("%s scored nothing twice", v)
                    .allSatisfy(ps -> assertThat(ps).hasSize(1));
        }
        given().auth()
                .oauth2(TOKEN)
                .get("/api/models")
                .then()
                .statusCode(200)
                .body("alias.version", equalTo("v1"))
                .body("loaded.version", Matchers.hasItems("v1", "v2", "v3"));
    }

    @Test
    @Order(5)
    void aForgedReleaseIsNeverServed() throws Exception {
        String served =
                given().auth()
                        .oauth2(TOKEN)
                        .get("/api/model")
                        .then()
                        .statusCode(200)
                        .extract()
                        .path("version");
        long future = System.currentTimeMillis() + Duration.ofDays(3650).toMillis();
        // valid ONNX, each with a future timestamp and a sequence far above any: unsigned, signed
        // with another key, and
        // a genuine release sent again (a replay: its old sequence)
        ModelRelease unsigned =
                new ReferenceModel(7)
                        .release("forged-unsigned", future).toBuilder()
                                .setReleaseSequence(1_000_000)
                                .build();
        ModelRelease otherKey =
                new ReferenceModel(8)
                        .release("forged-other-key", future).toBuilder()
                                .setReleaseSequence(1_000_001)
                                .build();
        ProducerRecord<String, byte[]> wrongKey = KafkaFixtures.unsigned(otherKey);
        KeyPair attacker =
                KeyPairGenerator.getInstance(ReleaseSignatures.ALGORITHM).generateKeyPair();
        wrongKey.headers()
                .add(
                        ReleaseSignatures.HEADER,
                        ReleaseSignatures.sign(wrongKey.value(), attacker.getPrivate()));
        ConsumerRecord<String, byte[]> genuine =
                TopicReader.readAll(bootstrap, Topics.MODELS, "read_committed").stream()
                        .filter(r -> r.key().equals("digits/v1") && r.value() != null)
                        .findFirst()
                        .orElseThrow();
        ProducerRecord<String, byte[]> replay =
                new ProducerRecord<>(
                        Topics.MODELS, null, genuine.key(), genuine.value(), genuine.headers());
        // promotions of a registered version that the trainer did not sign: one unsigned, one
        // signed with another key; and a genuine promotion sent again (its old sequence)
        ProducerRecord<String, byte[]> unsignedPromotion =
                KafkaFixtures.unsignedPromotion("digits", "v1", Long.MAX_VALUE);
        ProducerRecord<String, byte[]> forgedPromotion =
                KafkaFixtures.unsignedPromotion("digits", "v1", Long.MAX_VALUE - 1);
        forgedPromotion
                .headers()
                .add(
                        ReleaseSignatures.HEADER,
                        ReleaseSignatures.sign(forgedPromotion.value(), attacker.getPrivate()));
        ConsumerRecord<String, byte[]> genuinePromotion =
                TopicReader.readAll(bootstrap, Topics.PROMOTIONS, "read_committed").get(0);
        ProducerRecord<String, byte[]> replayedPromotion =
                new ProducerRecord<>(
                        Topics.PROMOTIONS,
                        null,
                        genuinePromotion.key(),
                        genuinePromotion.value(),
                        genuinePromotion.headers());
        double refusedBefore = refused("releases");
        double promotionsRefusedBefore = refused("promotions");
        KafkaFixtures.send(
                bootstrap,
                List.of(
                        KafkaFixtures.unsigned(unsigned),
                        wrongKey,
                        replay,
                        unsignedPromotion,
                        forgedPromotion,
                        replayedPromotion));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while ((refused("releases") < refusedBefore + 3
                        || refused("promotions") < promotionsRefusedBefore + 3)
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(refused("releases") - refusedBefore).as("releases refused").isEqualTo(3.0);
        assertThat(refused("promotions") - promotionsRefusedBefore)
                .as("promotions refused")
                .isEqualTo(3.0);
        Thread.sleep(1000);
        given().auth()
                .oauth2(TOKEN)
                .get("/api/model")
                .then()
                .statusCode(200)
                .body("version", equalTo(served));
        List<String> loaded =
                given().auth()
                        .oauth2(TOKEN)
                        .get("/api/models")
                        .then()
                        .extract()
                        .path("loaded.version");
        assertThat(loaded).doesNotContain("forged-unsigned", "forged-other-key");
        given().auth()
                .oauth2(TOKEN)
                .get("/v2/models/digits/versions/forged-unsigned")
                .then()
                .statusCode(404);
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"image\":" + zeros(784) + "}")
                .post("/api/predictions?version=forged-other-key")
                .then()
                .statusCode(404);
        // a genuine release after them is still served: the refusals did not stop the log
        Releases.publish(bootstrap, "v2");
        KafkaFixtures.send(bootstrap, List.of(KafkaFixtures.promotion("digits", "v2", false)));
        awaitServed("v2");
    }

    static final int SHADOWED = 200;
    static final int CANARY_STREAM = 2000;
    static final int CANARY_AGAIN = 300;

    @Inject ModelRegistry registry;

    @Test
    @Order(6)
    void aShadowScoresEveryStreamedAndPublishedSampleOnceBesideTheTarget() throws Exception {
        KafkaFixtures.send(
                bootstrap,
                List.of(
                        KafkaFixtures.candidatePromotion(
                                "digits", "v2", CandidateMode.SHADOW, "v3", 0)));
        awaitCandidate(CandidateMode.SHADOW);
        Scrape before = Scrape.now();
        List<Sample> live = new ArrayList<>();
        for (int i = 0; i < SHADOWED; i++) {
            live.add(KafkaFixtures.sample("shadow", i, i % 4 != 0));
        }
        // the group rebalances while they arrive: a visitor takes partitions and leaves without
        // committing; the service scores them from what is committed, served and shadow alike
        int visited;
        try (KafkaConsumer<String, byte[]> visitor = visitor()) {
            sendAll(live.subList(0, SHADOWED / 2));
            visited = holdPartitions(visitor);
            sendAll(live.subList(SHADOWED / 2, SHADOWED));
            holdPartitions(visitor);
        }
        assertThat(visited).as("partitions the visitor held").isPositive();
        List<Sample> split = published("shadow-split");
        KafkaFixtures.publishSplit(bootstrap, "shadow-split", split);
        List<Sample> all = new ArrayList<>(live);
        all.addAll(split);

        Map<String, List<Prediction>> p = awaitPredictions(all, 2);
        ReferenceModel shadow = Releases.MODELS.get("v3");
        for (Sample x : all) {
            List<Prediction> served =
                    p.get(x.getId()).stream().filter(q -> !q.getShadow()).toList();
            List<Prediction> shadowed =
                    p.get(x.getId()).stream().filter(Prediction::getShadow).toList();
            assertThat(served).as("served predictions of %s", x.getId()).hasSize(1);
            assertThat(served.get(0).getModelVersion()).isEqualTo("v2");
            assertThat(shadowed).as("shadow predictions of %s", x.getId()).hasSize(1);
            Prediction s = shadowed.get(0);
            assertThat(s.getModelVersion()).isEqualTo("v3");
            assertThat(s.getServedVersion()).isEqualTo("v2");
            double[] expected = shadow.forward(KafkaFixtures.image(x), KafkaFixtures.audio(x))[0];
            for (int k = 0; k < 10; k++) {
                assertThat((double) s.getProbabilities(k)).isCloseTo(expected[k], within(1e-5));
            }
            assertThat(s.getLabel())
                    .isEqualTo(shadow.label(KafkaFixtures.image(x), KafkaFixtures.audio(x)));
        }
        assertNoEmbeddingsOf("v3", all);
        Scrape after = Scrape.now();
        assertThat(increase(before, after, "mmdigits_inference_shadow_predictions_total", "v3"))
                .isEqualTo(all.size());
        assertStreamAccuracyCounted(before, after, "v2", live);
        assertStreamAccuracyCounted(before, after, "v3", live);
        after.assertDocumented();
    }

    @Test
    @Order(7)
    void aTenPercentCanaryScoresItsShareOfTheStreamStickyBySampleId() throws Exception {
        KafkaFixtures.send(
                bootstrap,
                List.of(
                        KafkaFixtures.candidatePromotion(
                                "digits", "v2", CandidateMode.CANARY, "v3", 10)));
        awaitCandidate(CandidateMode.CANARY);
        Scrape before = Scrape.now();
        List<Sample> stream = new ArrayList<>();
        for (int i = 0; i < CANARY_STREAM; i++) {
            stream.add(KafkaFixtures.sample("canary", i, i % 2 == 0));
        }
        sendAll(stream);
        awaitPredictions(stream, 1);
        List<Sample> again = stream.subList(0, CANARY_AGAIN);
        sendAll(again); // the same samples once more: each lands on the same version
        Map<String, List<Prediction>> p = awaitPredictions(again, 2);

        List<Sample> toCanary = new ArrayList<>();
        List<Sample> toTarget = new ArrayList<>();
        for (Sample x : stream) {
            List<Prediction> ps = p.get(x.getId());
            assertThat(ps)
                    .as("predictions of %s", x.getId())
                    .hasSize(x.getRowId() < CANARY_AGAIN ? 2 : 1);
            String version = bucket(x.getId(), "v3") < 10 ? "v3" : "v2";
            assertThat(ps)
                    .allSatisfy(
                            q -> assertThat(q.getModelVersion()).as(x.getId()).isEqualTo(version));
            assertThat(ps).noneMatch(Prediction::getShadow);
            double[] expected =
                    Releases.MODELS.get(version)
                            .forward(KafkaFixtures.image(x), KafkaFixtures.audio(x))[0];
            assertThat((double) ps.get(0).getProbabilities(3)).isCloseTo(expected[3], within(1e-5));
            (version.equals("v3") ? toCanary : toTarget).add(x);
        }
        // 10 % of 2,000: mean 200, binomial standard deviation 13.4; ± 4 of them
        assertThat(toCanary.size()).isBetween(146, 254);
        List<Sample> canaryScored = new ArrayList<>(toCanary);
        List<Sample> targetScored = new ArrayList<>(toTarget);
        for (Sample x : again) {
            (toCanary.contains(x) ? canaryScored : targetScored).add(x);
        }
        Scrape after = Scrape.now();
        assertStreamAccuracyCounted(before, after, "v3", canaryScored);
        assertStreamAccuracyCounted(before, after, "v2", targetScored);

        KafkaFixtures.send(bootstrap, List.of(KafkaFixtures.promotion("digits", "v2", false)));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (registry.candidate().isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(registry.candidate()).as("the candidate ended").isEmpty();
    }

    /**
     * The canary's bucket of a sample, computed here from its definition (docs/rollouts.md): the
     * first 4 bytes of SHA-256 of "id\nversion", unsigned, modulo 100.
     */
    static int bucket(String id, String version) throws Exception {
        byte[] h =
                MessageDigest.getInstance("SHA-256")
                        .digest((id + "\n" + version).getBytes(StandardCharsets.UTF_8));
        return (int) ((ByteBuffer.wrap(h).getInt() & 0xffffffffL) % 100);
    }

    /** A consumer that joins the scoring group (as another replica would) and never commits. */
    KafkaConsumer<String, byte[]> visitor() {
        KafkaConsumer<String, byte[]> c =
                new KafkaConsumer<>(
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                bootstrap,
                                ConsumerConfig.GROUP_ID_CONFIG,
                                "mmdigits-inference",
                                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                                CooperativeStickyAssignor.class.getName(),
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                                false,
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed"),
                        new StringDeserializer(),
                        new ByteArrayDeserializer());
        c.subscribe(List.of(Topics.SAMPLES_TEST));
        return c;
    }

    /** Polls until the visitor holds partitions, then a second more; how many it holds. */
    static int holdPartitions(KafkaConsumer<String, byte[]> visitor) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (visitor.assignment().isEmpty() && System.nanoTime() < deadline) {
            visitor.poll(Duration.ofMillis(100));
        }
        long hold = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (System.nanoTime() < hold) {
            visitor.poll(Duration.ofMillis(100));
        }
        return visitor.assignment().size();
    }

    void awaitCandidate(CandidateMode mode) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline
                && !registry.candidate().map(c -> c.mode() == mode).orElse(false)) {
            Thread.sleep(50);
        }
        assertThat(registry.candidate()).as("the alias' candidate").isPresent();
        assertThat(registry.candidate().get().mode()).isEqualTo(mode);
        assertThat(registry.candidate().get().target().version()).isEqualTo("v3");
    }

    void sendAll(List<Sample> samples) {
        try (KafkaProducer<String, byte[]> p = KafkaFixtures.producer(bootstrap)) {
            samples.forEach(s -> p.send(KafkaFixtures.record(s)));
            p.flush();
        }
    }

    /**
     * Every prediction (served and shadow) of the samples once each has {@code each}, read again a
     * second later (anything more would be a duplicate).
     */
    Map<String, List<Prediction>> awaitPredictions(List<Sample> samples, int each)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, List<Prediction>> p = KafkaFixtures.predictions(bootstrap, null);
            if (samples.stream()
                    .allMatch(x -> p.getOrDefault(x.getId(), List.of()).size() >= each)) {
                break;
            }
            Thread.sleep(250);
        }
        Thread.sleep(1000);
        return KafkaFixtures.predictions(bootstrap, null);
    }

    void assertNoEmbeddingsOf(String version, List<Sample> samples) throws Exception {
        Set<String> ids = new HashSet<>();
        samples.forEach(s -> ids.add(s.getId()));
        long ofVersion = 0;
        long served = 0;
        for (ConsumerRecord<String, byte[]> r :
                TopicReader.readAll(bootstrap, Topics.EMBEDDINGS, "read_committed")) {
            if (ids.contains(r.key())) {
                Embedding e = Embedding.parseFrom(r.value());
                ofVersion += e.getModelVersion().equals(version) ? 1 : 0;
                served += e.getModelVersion().equals(version) ? 0 : 1;
            }
        }
        assertThat(ofVersion).as("embeddings by the shadow " + version).isZero();
        assertThat(served).as("embeddings by the served version").isEqualTo(samples.size());
    }

    /**
     * The version's stream counters grew by the labelled samples it scored and by those the
     * reference model predicts right.
     */
    static void assertStreamAccuracyCounted(
            Scrape before, Scrape after, String version, List<Sample> scored) {
        ReferenceModel ref = Releases.MODELS.get(version);
        long labeled = scored.stream().filter(Sample::hasLabel).count();
        long correct =
                scored.stream()
                        .filter(Sample::hasLabel)
                        .filter(
                                x ->
                                        ref.label(KafkaFixtures.image(x), KafkaFixtures.audio(x))
                                                == x.getLabel())
                        .count();
        assertThat(increase(before, after, "mmdigits_inference_stream_labeled_total", version))
                .as("labelled stream samples scored by %s", version)
                .isEqualTo(labeled);
        assertThat(increase(before, after, "mmdigits_inference_stream_correct_total", version))
                .as("of them predicted right by %s", version)
                .isEqualTo(correct);
    }

    static double increase(Scrape before, Scrape after, String name, String version) {
        double b = before.sum(name, "version=" + version);
        return after.sum(name, "version=" + version) - (Double.isNaN(b) ? 0 : b);
    }

    /** mmdigits_inference_releases_refused_total or mmdigits_inference_promotions_refused_total. */
    static double refused(String what) {
        double refused = Scrape.now().sum("mmdigits_inference_" + what + "_refused_total");
        return Double.isNaN(refused) ? 0 : refused; // counted from the first refusal
    }

    /**
     * Posts predictions from 8 threads while {@code during} runs; counts the answers, collects
     * failures and versions seen.
     */
    int underLoad(List<String> failures, Set<String> versions, Step during) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ObjectMapper json = new ObjectMapper();
        Sample probe = KafkaFixtures.sample("probe", 1, true);
        String body =
                "{\"image\":"
                        + json.writeValueAsString(KafkaFixtures.image(probe))
                        + ",\"audio\":"
                        + json.writeValueAsString(KafkaFixtures.audio(probe))
                        + "}";
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        for (int t = 0; t < 8; t++) {
            pool.submit(
                    () -> {
                        while (!stop.get()) {
                            try {
                                HttpResponse<String> r =
                                        http.send(
                                                HttpRequest.newBuilder(
                                                                URI.create(
                                                                        base + "api/predictions"))
                                                        .header("Content-Type", "application/json")
                                                        .POST(
                                                                HttpRequest.BodyPublishers.ofString(
                                                                        body))
                                                        .build(),
                                                HttpResponse.BodyHandlers.ofString());
                                if (r.statusCode() != 200) {
                                    failures.add(r.statusCode() + " " + r.body());
                                    continue;
                                }
                                JsonNode n = json.readTree(r.body());
                                String v = n.get("modelVersion").asText();
                                versions.add(v);
                                double[] expected =
                                        Releases.MODELS.get(v)
                                                .forward(
                                                        KafkaFixtures.image(probe),
                                                        KafkaFixtures.audio(probe))[0];
                                for (int k = 0; k < 10; k++) {
                                    if (Math.abs(
                                                    n.get("probabilities").get(k).asDouble()
                                                            - expected[k])
                                            > 1e-5) {
                                        failures.add(
                                                "version "
                                                        + v
                                                        + " answered probabilities of another model: "
                                                        + n.get("probabilities"));
                                    }
                                }
                                ok.incrementAndGet();
                            } catch (Exception e) {
                                failures.add(e.toString());
                            }
                        }
                    });
        }
        try {
            Thread.sleep(1000);
            during.run();
            Thread.sleep(1000);
        } finally {
            stop.set(true);
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        return ok.get();
    }

    /** What happens while the load runs. */
    interface Step {
        void run() throws Exception;
    }

    static void awaitServed(String version) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (version.equals(
                    given().auth()
                            .oauth2(TOKEN)
                            .get("/api/model")
                            .then()
                            .extract()
                            .path("version"))) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the alias did not move to " + version);
    }

    static void awaitRegistered(String version) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            List<String> loaded =
                    given().auth()
                            .oauth2(TOKEN)
                            .get("/api/models")
                            .then()
                            .extract()
                            .path("loaded.version");
            if (loaded.contains(version)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(version + " was not loaded");
    }

    static ProducerRecord<String, byte[]> jsonRecord(String json) {
        ProducerRecord<String, byte[]> r =
                new ProducerRecord<>(Topics.SAMPLES_TEST, "flow/test/999", json.getBytes());
        r.headers().add("content-type", "application/json".getBytes());
        return r;
    }

    static String zeros(int n) {
        return Arrays.toString(new float[n]);
    }
}
