package mmdigits.inference.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import mmdigits.inference.OipStubs;
import mmdigits.inference.Releases;
import mmdigits.inference.grpc.oip.InferTensorContents;
import mmdigits.inference.grpc.oip.ModelInferRequest;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.Scrape;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Predictions closed, as the production overlay has them ({@code mmdigits.auth.predictions=
 * predict}): POST /api/predictions, the KServe infer route and gRPC ModelInfer answer a request
 * without a token 401 (UNAUTHENTICATED), with a token lacking the role predict 403
 * (PERMISSION_DENIED), and with the role a prediction. The profile's payload log goes to a broker
 * that stalls (a port that takes connections and never answers): every request is answered, and
 * every event is counted dropped. Last of the classes: its profile restarts the application.
 */
@QuarkusTest
@TestProfile(ClosedPredictionsTest.Closed.class)
@QuarkusTestResource(KafkaBrokerTestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(10)
class ClosedPredictionsTest {
    /** A "broker" that accepts connections (the kernel's backlog) and never answers one. */
    static final ServerSocket STALLED = stalledBroker();

    /** The payload log waits this long for the stalled broker, on its own thread only. */
    static final Duration MAX_BLOCK = Duration.ofSeconds(6);

    public static final class Closed implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "mmdigits.auth.predictions",
                    "predict",
                    "inference.payload-log.bootstrap-servers",
                    "127.0.0.1:" + STALLED.getLocalPort(),
                    "inference.payload-log.queue-size",
                    "50",
                    "inference.payload-log.max-block",
                    MAX_BLOCK.toSeconds() + "s");
        }
    }

    static ServerSocket stalledBroker() {
        try {
            return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final String EVENTS = "mmdigits_inference_payload_log_events_total";
    static final String ONE = "{\"image\":" + zeros(784) + "}";
    static final String KSERVE =
            "{\"inputs\":[{\"name\":\"image\",\"shape\":[1,784],\"datatype\":\"FP32\",\"data\":"
                    + zeros(784)
                    + "}]}";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = KafkaBrokerTestResource.GRPC_PORT)
    int grpcPort;

    @TestHTTPResource("/")
    URL base;

    String version;

    @BeforeEach
    void model() throws Exception {
        version = Releases.ensureLoaded(bootstrap);
    }

    static String zeros(int n) {
        return "[" + "0,".repeat(n - 1) + "0]";
    }

    static RequestSpecification json(String... roles) {
        RequestSpecification r = given().contentType(ContentType.JSON);
        return roles.length == 0 ? r : r.auth().oauth2(KafkaBrokerTestResource.token(roles));
    }

    /**
     * First of the class, so that its requests are the only ones the payload log has seen: with the
     * broker stalled, each of them is answered within less than the time the log's producer blocks
     * (a request that waited for it would time out), and each event ends dropped — the queue's
     * overflow at once, the rest when the producer gives up on the broker.
     */
    @Test
    @Order(1)
    void aStalledPayloadLogFailsNoRequest() throws Exception {
        int n = 200;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String token = KafkaBrokerTestResource.token("predict");
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                boolean kserve = i % 2 == 1;
                HttpRequest r =
                        HttpRequest.newBuilder(
                                        URI.create(
                                                base
                                                        + (kserve
                                                                ? "v2/models/digits/infer"
                                                                : "api/predictions")))
                                .timeout(MAX_BLOCK.minusSeconds(1))
                                .header("Content-Type", "application/json")
                                .header("Authorization", "Bearer " + token)
                                .POST(HttpRequest.BodyPublishers.ofString(kserve ? KSERVE : ONE))
                                .build();
                answers.add(pool.submit(() -> http.send(r, HttpResponse.BodyHandlers.ofString())));
            }
            for (Future<HttpResponse<String>> a : answers) {
                assertThat(a.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        long deadline = System.nanoTime() + MAX_BLOCK.multipliedBy(3).toNanos();
        Scrape s = Scrape.now();
        while (s.sum(EVENTS, "outcome=dropped") < n && System.nanoTime() < deadline) {
            Thread.sleep(200);
            s = Scrape.now();
        }
        assertThat(s.sum(EVENTS, "outcome=sent")).isZero();
        assertThat(s.sum(EVENTS, "outcome=dropped")).isEqualTo(n);
        assertThat(s.sum(EVENTS, "outcome=dropped", "reason=queue_full")).isPositive();
        assertThat(s.sum(EVENTS, "outcome=dropped", "reason=broker_unavailable")).isPositive();
        assertThat(s.sum("mmdigits_inference_payload_log_queued")).isZero();
    }

    @Test
    void predictionsNeedThePredictRole() {
        json().body(ONE).post("/api/predictions").then().statusCode(401);
        json("train", "ingest", "admin").body(ONE).post("/api/predictions").then().statusCode(403);
        json("predict")
                .body(ONE)
                .post("/api/predictions")
                .then()
                .statusCode(200)
                .body("modelVersion", is(version))
                .body("probabilities", hasSize(10));
    }

    @Test
    void kserveInferNeedsThePredictRole() {
        String infer = "/v2/models/digits/infer";
        json().body(KSERVE).post(infer).then().statusCode(401);
        json("ingest").body(KSERVE).post(infer).then().statusCode(403);
        json("predict")
                .body(KSERVE)
                .post(infer)
                .then()
                .statusCode(200)
                .body("model_version", is(version))
                .body("outputs.find { it.name == 'probabilities' }.data", hasSize(10));
        // reads stay open
        given().get("/v2/models/digits/ready").then().statusCode(200);
    }

    @Test
    void grpcModelInferNeedsThePredictRole() throws Exception {
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        try {
            ModelInferRequest request =
                    ModelInferRequest.newBuilder()
                            .setModelName("digits")
                            .addInputs(
                                    ModelInferRequest.InferInputTensor.newBuilder()
                                            .setName("image")
                                            .setDatatype("FP32")
                                            .addShape(1)
                                            .addShape(784)
                                            .setContents(
                                                    InferTensorContents.newBuilder()
                                                            .addAllFp32Contents(
                                                                    Collections.nCopies(784, 0f))))
                            .build();
            assertThatThrownBy(() -> OipStubs.stub(channel).modelInfer(request))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e ->
                                    assertThat(e.getStatus().getCode())
                                            .isEqualTo(Status.Code.UNAUTHENTICATED));
            assertThatThrownBy(() -> OipStubs.stub(channel, "train").modelInfer(request))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e ->
                                    assertThat(e.getStatus().getCode())
                                            .isEqualTo(Status.Code.PERMISSION_DENIED));
            var answer = OipStubs.stub(channel, "predict").modelInfer(request);
            assertThat(answer.getModelVersion()).isEqualTo(version);
            assertThat(answer.getOutputsList()).isNotEmpty();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
