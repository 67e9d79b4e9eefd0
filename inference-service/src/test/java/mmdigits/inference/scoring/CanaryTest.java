package mmdigits.inference.scoring;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import mmdigits.common.Topics;
import mmdigits.common.events.Promotions;
import mmdigits.common.proto.CandidateMode;
import mmdigits.common.proto.Prediction;
import mmdigits.common.proto.Sample;
import mmdigits.inference.KafkaFixtures;
import mmdigits.inference.Releases;
import mmdigits.inference.grpc.oip.GRPCInferenceServiceGrpc;
import mmdigits.inference.grpc.oip.InferTensorContents;
import mmdigits.inference.grpc.oip.ModelInferRequest;
import mmdigits.inference.grpc.oip.ModelInferResponse;
import mmdigits.inference.model.ModelRegistry;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.Scrape;
import mmdigits.localkafka.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The alias' candidate on the request path, with the real broker and two reference models: a 10 %
 * canary answers 10 % (± 4σ) of 2,000 requests over REST, KServe and gRPC, every answer names the
 * version that produced it (its probabilities are that version's), the per-version request metrics
 * count the same split, a request id always lands on the version its bucket says, explicit versions
 * are never rerouted; promoting the candidate moves everything to it, a rollback everything back. A
 * shadow answers nobody; its copies of the requests are on digits.predictions marked shadow. Runs
 * after the other classes of its profile and leaves the alias without a candidate.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@Order(9)
class CanaryTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int N = 2000;
    static final double P = 0.10;
    static final List<Sample> PROBES = probes();

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = KafkaBrokerTestResource.GRPC_PORT)
    int grpcPort;

    @TestHTTPResource("/")
    URL base;

    @Inject ModelRegistry registry;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    ManagedChannel channel;
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub oip;

    static List<Sample> probes() {
        List<Sample> s = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            s.add(KafkaFixtures.sample("canary", i, true));
        }
        return s;
    }

    /** How a request is sent. */
    enum Protocol {
        REST,
        KSERVE,
        GRPC
    }

    /** An answer: the version it names and whether its probabilities are that version's. */
    record Answer(String version, boolean valuesOfThatVersion) {}

    @BeforeEach
    void modelsAndClient() throws Exception {
        List<String> loaded =
                given().get("/api/models").then().statusCode(200).extract().path("loaded.version");
        for (String v : List.of("v1", "v2")) {
            if (!loaded.contains(v)) {
                Releases.publish(bootstrap, v);
            }
        }
        channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        oip =
                GRPCInferenceServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        // the alias without a candidate, on v1, whatever happened
        KafkaFixtures.send(bootstrap, List.of(KafkaFixtures.promotion("digits", "v1", false)));
        await("the alias on v1 without a candidate", () -> registry.candidate().isEmpty());
    }

    @Test
    void aTenPercentCanaryGetsItsShareStickyPerIdAndIsPromotedOrRolledBackInOneCall()
            throws Exception {
        KafkaFixtures.send(
                bootstrap,
                List.of(
                        KafkaFixtures.promotion("digits", "v1", false),
                        KafkaFixtures.candidatePromotion(
                                "digits", "v1", CandidateMode.CANARY, "v2", 10)));
        awaitCandidate(CandidateMode.CANARY, "v2");
        awaitServed("v1");

        Map<String, Double> before = requestCounts();
        List<Answer> answers = send(N, i -> Protocol.values()[i % 3], i -> null, null);
        Map<String, Double> after = requestCounts();
        assertThat(answers).allMatch(Answer::valuesOfThatVersion);
        long canary = answers.stream().filter(a -> a.version().equals("v2")).count();
        long target = answers.stream().filter(a -> a.version().equals("v1")).count();
        assertThat(canary + target).as("every answer names v1 or v2").isEqualTo(N);
        double sigma = Math.sqrt(N * P * (1 - P));
        System.out.printf(
                "canary split: %d of %d requests answered by the 10 %% canary (expected %.0f ± %.1f)%n",
                canary, N, N * P, 4 * sigma);
        assertThat((double) canary).isBetween(N * P - 4 * sigma, N * P + 4 * sigma);
        assertThat(after.get("canary v2") - before.get("canary v2")).isEqualTo(canary);
        assertThat(after.get("target v1") - before.get("target v1")).isEqualTo(target);

        // the same id: the same version, over every protocol, as its bucket says
        for (int i = 0; i < 60; i++) {
            String id = "sticky-" + i;
            String expected = CanaryBucket.of(id, "v2") < 10 ? "v2" : "v1";
            assertThat(send(3, j -> Protocol.values()[j], j -> id, null))
                    .as(id)
                    .extracting(Answer::version)
                    .containsOnly(expected);
        }
        // an explicit version is never rerouted (and counted as explicit)
        double explicitBefore = before.getOrDefault("explicit v1", 0.0);
        assertThat(send(90, i -> Protocol.values()[i % 3], i -> null, "v1"))
                .extracting(Answer::version)
                .containsOnly("v1");
        assertThat(requestCounts().get("explicit v1") - explicitBefore).isEqualTo(90);

        // promoted to 100 %: the candidate answers everything; rolled back: the target does
        KafkaFixtures.send(bootstrap, List.of(KafkaFixtures.promotion("digits", "v2", false)));
        awaitServed("v2");
        await("the candidate ended", () -> registry.candidate().isEmpty());
        assertThat(send(150, i -> Protocol.values()[i % 3], i -> null, null))
                .extracting(Answer::version)
                .containsOnly("v2");
        KafkaFixtures.send(bootstrap, List.of(KafkaFixtures.promotion("digits", "v1", true)));
        awaitServed("v1");
        assertThat(send(150, i -> Protocol.values()[i % 3], i -> null, null))
                .extracting(Answer::version)
                .containsOnly("v1");
    }

    @Test
    void aShadowAnswersNobodyAndScoresACopyOfEachAliasRequest() throws Exception {
        KafkaFixtures.send(
                bootstrap,
                List.of(
                        KafkaFixtures.candidatePromotion(
                                "digits", "v1", CandidateMode.SHADOW, "v2", 0)));
        awaitCandidate(CandidateMode.SHADOW, "v2");
        awaitServed("v1");
        double sentBefore = count(Scrape.now(), "sent");
        List<Answer> answers = send(30, i -> Protocol.values()[i % 3], i -> "shadow-" + i, null);
        assertThat(answers).extracting(Answer::version).containsOnly("v1");
        assertThat(answers).allMatch(Answer::valuesOfThatVersion);
        // an explicit version is not copied
        send(3, i -> Protocol.REST, i -> "shadow-explicit-" + i, "v1");

        Map<String, List<Prediction>> shadow = awaitShadowPredictions(30);
        Thread.sleep(500); // anything more would be a duplicate
        shadow = shadowPredictions();
        assertThat(shadow).hasSize(30);
        for (int i = 0; i < 30; i++) {
            List<Prediction> ps = shadow.get("http/shadow-" + i + "/0");
            assertThat(ps).as("shadow-" + i).hasSize(1);
            Prediction p = ps.get(0);
            assertThat(p.getModelVersion()).isEqualTo("v2");
            assertThat(p.getServedVersion()).isEqualTo("v1");
            assertThat(p.getDataset()).isEqualTo(ShadowCopy.DATASET);
            Sample x = PROBES.get(i % PROBES.size());
            double[] expected =
                    Releases.MODELS.get("v2")
                            .forward(KafkaFixtures.image(x), KafkaFixtures.audio(x))[0];
            for (int k = 0; k < 10; k++) {
                assertThat((double) p.getProbabilities(k)).isCloseTo(expected[k], within(1e-5));
            }
        }
        assertThat(count(Scrape.now(), "sent") - sentBefore).isEqualTo(30);
        assertThat(count(Scrape.now(), "dropped")).isZero();
        Scrape.now().assertDocumented();
    }

    /**
     * Sends {@code n} single-sample requests from 8 threads: request i by {@code protocol(i)} with
     * id {@code id(i)} (null: none), for the alias or an explicit version.
     */
    List<Answer> send(int n, IntFunction<Protocol> protocol, IntFunction<String> id, String version)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Answer>> futures = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int row = i;
                futures.add(
                        pool.submit(
                                () ->
                                        answer(
                                                protocol.apply(row),
                                                PROBES.get(row % PROBES.size()),
                                                id.apply(row),
                                                version)));
            }
            List<Answer> out = new ArrayList<>(n);
            for (Future<Answer> f : futures) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    Answer answer(Protocol protocol, Sample x, String id, String version) throws Exception {
        float[] probabilities;
        String answered;
        switch (protocol) {
            case REST -> {
                JsonNode r =
                        post(
                                "api/predictions" + (version == null ? "" : "?version=" + version),
                                JSON.writeValueAsString(
                                        Map.of(
                                                "image",
                                                KafkaFixtures.image(x),
                                                "audio",
                                                KafkaFixtures.audio(x))),
                                id);
                answered = r.get("modelVersion").asText();
                probabilities = JSON.convertValue(r.get("probabilities"), float[].class);
            }
            case KSERVE -> {
                String body =
                        """
                        {%s"inputs": [
                          {"name": "image", "shape": [1, 784], "datatype": "FP32", "data": %s},
                          {"name": "audio", "shape": [1, 507], "datatype": "FP32", "data": %s}],
                         "outputs": [{"name": "probabilities"}]}"""
                                .formatted(
                                        id == null ? "" : "\"id\": \"" + id + "\", ",
                                        JSON.writeValueAsString(KafkaFixtures.image(x)),
                                        JSON.writeValueAsString(KafkaFixtures.audio(x)));
                JsonNode r =
                        post(
                                "v2/models/digits"
                                        + (version == null ? "" : "/versions/" + version)
                                        + "/infer",
                                body,
                                null);
                answered = r.get("model_version").asText();
                probabilities =
                        JSON.convertValue(r.get("outputs").get(0).get("data"), float[].class);
            }
            default -> {
                ModelInferResponse r = oip.modelInfer(grpcRequest(x, id, version));
                answered = r.getModelVersion();
                InferTensorContents c = r.getOutputs(0).getContents();
                probabilities = new float[c.getFp32ContentsCount()];
                for (int k = 0; k < probabilities.length; k++) {
                    probabilities[k] = c.getFp32Contents(k);
                }
            }
        }
        return new Answer(answered, ofVersion(answered, x, probabilities));
    }

    static ModelInferRequest grpcRequest(Sample x, String id, String version) {
        ModelInferRequest.Builder b =
                ModelInferRequest.newBuilder().setModelName("digits").setId(id == null ? "" : id);
        if (version != null) {
            b.setModelVersion(version);
        }
        b.addInputsBuilder()
                .setName("image")
                .setDatatype("FP32")
                .addShape(1)
                .addShape(784)
                .setContents(InferTensorContents.newBuilder().addAllFp32Contents(x.getImageList()));
        b.addInputsBuilder()
                .setName("audio")
                .setDatatype("FP32")
                .addShape(1)
                .addShape(507)
                .setContents(InferTensorContents.newBuilder().addAllFp32Contents(x.getAudioList()));
        b.addOutputsBuilder().setName("probabilities");
        return b.build();
    }

    JsonNode post(String path, String body, String requestId) throws Exception {
        HttpRequest.Builder r =
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body));
        if (requestId != null) {
            r.header("X-Request-Id", requestId);
        }
        HttpResponse<String> answer = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    /** Whether probabilities are the named version's for the sample. */
    static boolean ofVersion(String version, Sample x, float[] probabilities) {
        if (!Releases.MODELS.containsKey(version) || probabilities.length != 10) {
            return false;
        }
        double[] expected =
                Releases.MODELS.get(version)
                        .forward(KafkaFixtures.image(x), KafkaFixtures.audio(x))[0];
        for (int k = 0; k < 10; k++) {
            if (Math.abs(probabilities[k] - expected[k]) > 1e-5) {
                return false;
            }
        }
        return true;
    }

    /** Requests counted by mmdigits_inference_request_seconds, as "role version". */
    static Map<String, Double> requestCounts() {
        Scrape m = Scrape.now();
        Map<String, Double> out = new HashMap<>();
        for (String role : List.of("target", "canary", "explicit")) {
            for (String v : List.of("v1", "v2")) {
                double c =
                        m.sum(
                                "mmdigits_inference_request_seconds_count",
                                "role=" + role,
                                "version=" + v);
                out.put(role + " " + v, Double.isNaN(c) ? 0 : c);
            }
        }
        return out;
    }

    static double count(Scrape m, String outcome) {
        double c = m.sum("mmdigits_inference_shadow_copies_total", "outcome=" + outcome);
        return Double.isNaN(c) ? 0 : c;
    }

    Map<String, List<Prediction>> shadowPredictions() throws Exception {
        Map<String, List<Prediction>> out = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r :
                TopicReader.readAll(bootstrap, Topics.PREDICTIONS, "read_committed")) {
            Prediction p = Prediction.parseFrom(r.value());
            if (p.getShadow() && p.getSampleId().startsWith("http/shadow-")) {
                assertThat(r.key()).isEqualTo(p.getSampleId());
                out.computeIfAbsent(p.getSampleId(), k -> new ArrayList<>()).add(p);
            }
        }
        return out;
    }

    Map<String, List<Prediction>> awaitShadowPredictions(int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Map<String, List<Prediction>> p = shadowPredictions();
        while (p.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(250);
            p = shadowPredictions();
        }
        return p;
    }

    void awaitCandidate(CandidateMode mode, String version) throws InterruptedException {
        Predicate<Optional<Promotions.Candidate>> wanted =
                c ->
                        c.isPresent()
                                && c.get().mode() == mode
                                && c.get().target().version().equals(version);
        await(mode + " " + version + " loaded", () -> wanted.test(registry.candidate()));
    }

    static void awaitServed(String version) throws InterruptedException {
        await(
                "the alias on " + version,
                () -> version.equals(given().get("/api/model").then().extract().path("version")));
    }

    static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 30 s");
            }
            Thread.sleep(50);
        }
    }
}
