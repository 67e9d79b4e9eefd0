package mmdigits.inference.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;
import static org.hamcrest.Matchers.containsString;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mmdigits.common.proto.Sample;
import mmdigits.inference.KafkaFixtures;
import mmdigits.inference.OipStubs;
import mmdigits.inference.ReferenceModel;
import mmdigits.inference.Releases;
import mmdigits.inference.grpc.oip.GRPCInferenceServiceGrpc;
import mmdigits.inference.grpc.oip.ModelReadyRequest;
import mmdigits.inference.grpc.oip.ModelRepositoryParameter;
import mmdigits.inference.grpc.oip.RepositoryIndexRequest;
import mmdigits.inference.grpc.oip.RepositoryIndexResponse;
import mmdigits.inference.grpc.oip.RepositoryModelLoadRequest;
import mmdigits.inference.grpc.oip.RepositoryModelUnloadRequest;
import mmdigits.localkafka.KafkaBrokerTestResource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The model repository extension as a client written from its description speaks it (Triton's REST
 * routes and JSON, the gRPC messages of its grpc_service.proto): the index of every registered
 * version with its state, load and unload of a version, readiness per version that turns false the
 * moment it is unloaded while the server stays ready, and the role admin.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@Order(4)
class RepositoryTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ReferenceModel R1 = new ReferenceModel(41);
    static final ReferenceModel R2 = new ReferenceModel(42);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = KafkaBrokerTestResource.GRPC_PORT)
    int grpcPort;

    String target;
    ManagedChannel channel;
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub admin;

    @BeforeEach
    void setUp() throws Exception {
        target = Releases.ensureLoaded(bootstrap);
        // promoted, so that the releases below do not move the alias (before any promotion the
        // newest release serves)
        KafkaFixtures.send(bootstrap, List.of(KafkaFixtures.promotion("digits", target, false)));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        admin = stub("admin");
        KafkaFixtures.send(
                bootstrap,
                List.of(
                        KafkaFixtures.record(
                                R1.release("r1", 1).toBuilder().setName("repo").build()),
                        KafkaFixtures.record(
                                R2.release("r2", 2).toBuilder().setName("repo").build())));
        awaitState("r1", "READY");
        awaitState("r2", "READY");
    }

    @AfterEach
    void restore() throws InterruptedException {
        for (String v : List.of("r1", "r2")) {
            asAdmin().body(versionBody(v)).post("/v2/repository/models/repo/load");
        }
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub(String... roles) {
        return OipStubs.stub(channel, roles);
    }

    static RequestSpecification asAdmin() {
        return given().auth()
                .oauth2(KafkaBrokerTestResource.token("admin"))
                .contentType("application/json");
    }

    static String versionBody(String version) {
        return "{\"parameters\": {\"version\": \"" + version + "\"}}";
    }

    /** The REST index, as the protocol's JSON array. */
    static JsonNode index(String body) throws Exception {
        return JSON.readTree(
                asAdmin()
                        .body(body)
                        .post("/v2/repository/index")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString());
    }

    static JsonNode entry(JsonNode index, String name, String version) {
        for (JsonNode e : index) {
            if (e.get("name").asText().equals(name) && e.get("version").asText().equals(version)) {
                return e;
            }
        }
        return null;
    }

    void awaitState(String version, String state) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode e = entry(index("{}"), "repo", version);
            if (e != null && e.get("state").asText().equals(state)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("repo/" + version + " not " + state + " within 60 s");
    }

    static int readyStatus(String version) {
        return given().get("/v2/models/repo/versions/" + version + "/ready").statusCode();
    }

    boolean grpcReady(String version) {
        return stub().modelReady(
                        ModelReadyRequest.newBuilder().setName("repo").setVersion(version).build())
                .getReady();
    }

    /** The probabilities repo/{version} gives for a sample, over REST. */
    static double[] probabilities(String version, Sample s) throws Exception {
        String body =
                given().contentType("application/json")
                        .body(
                                JSON.writeValueAsString(
                                        Map.of(
                                                "image",
                                                KafkaFixtures.image(s),
                                                "audio",
                                                KafkaFixtures.audio(s))))
                        .post("/api/predictions?model=repo&version=" + version)
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString();
        JsonNode r = JSON.readTree(body);
        assertThat(r.get("modelVersion").asText()).isEqualTo(version);
        List<Double> p = new ArrayList<>();
        r.get("probabilities").forEach(x -> p.add(x.asDouble()));
        return p.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Test
    void theIndexListsEveryRegisteredVersionWithItsState() throws Exception {
        JsonNode all = index("{}");
        assertThat(entry(all, "repo", "r1").get("state").asText()).isEqualTo("READY");
        assertThat(entry(all, "repo", "r2").get("state").asText()).isEqualTo("READY");
        assertThat(all)
                .as("the alias' target is listed, with why it is loaded")
                .anySatisfy(
                        e -> {
                            assertThat(e.get("version").asText()).isEqualTo(target);
                            assertThat(e.get("reason").asText()).isEqualTo("the alias' target");
                        });
        RepositoryIndexResponse grpc =
                admin.repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
        assertThat(grpc.getModelsList())
                .extracting(m -> m.getName() + "/" + m.getVersion() + " " + m.getState())
                .containsExactlyElementsOf(
                        iterable(all).stream()
                                .map(
                                        e ->
                                                e.get("name").asText()
                                                        + "/"
                                                        + e.get("version").asText()
                                                        + " "
                                                        + e.get("state").asText())
                                .toList());
    }

    static List<JsonNode> iterable(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    @Test
    void anUnloadedVersionIsNotReadyAtOnceAndLoadsAgainOnRequest() throws Exception {
        Sample s = KafkaFixtures.sample("repo", 7, true);
        double[] before = probabilities("r1", s);
        double[] expected = R1.forward(KafkaFixtures.image(s), KafkaFixtures.audio(s))[0];
        assertThat(before).containsExactly(expected, offset(1e-5));
        assertThat(readyStatus("r1")).isEqualTo(200);

        JsonNode unloaded =
                JSON.readTree(
                        asAdmin()
                                .body(versionBody("r1"))
                                .post("/v2/repository/models/repo/unload")
                                .then()
                                .statusCode(200)
                                .extract()
                                .asString());
        assertThat(unloaded.get(0).get("state").asText()).isEqualTo("UNAVAILABLE");
        // the moment the call returns: not ready over both protocols, not served, the server ready
        assertThat(readyStatus("r1")).as("REST ready of the unloaded version").isEqualTo(400);
        assertThat(grpcReady("r1")).as("gRPC ready of the unloaded version").isFalse();
        assertThat(readyStatus("r2")).isEqualTo(200);
        given().get("/v2/health/ready").then().statusCode(200);
        given().contentType("application/json")
                .body("{\"image\": " + JSON.writeValueAsString(KafkaFixtures.image(s)) + "}")
                .post("/api/predictions?model=repo&version=r1")
                .then()
                .statusCode(404);
        JsonNode e = entry(index("{}"), "repo", "r1");
        assertThat(e.get("state").asText()).isEqualTo("UNAVAILABLE");
        assertThat(e.get("reason").asText()).isEqualTo("unloaded on request");
        assertThat(entry(index("{\"ready\": true}"), "repo", "r1"))
                .as("the ready-only index")
                .isNull();

        admin.repositoryModelLoad(
                RepositoryModelLoadRequest.newBuilder()
                        .setModelName("repo")
                        .putParameters(
                                "version",
                                ModelRepositoryParameter.newBuilder().setStringParam("r1").build())
                        .build());
        assertThat(grpcReady("r1")).as("ready once the load call returns").isTrue();
        assertThat(probabilities("r1", s)).containsExactly(before);

        // a name without a version: every loaded version of it, then its newest
        admin.repositoryModelUnload(
                RepositoryModelUnloadRequest.newBuilder().setModelName("repo").build());
        assertThat(readyStatus("r1")).isEqualTo(400);
        assertThat(readyStatus("r2")).isEqualTo(400);
        given().get("/v2/models/repo/ready").then().statusCode(400);
        admin.repositoryModelLoad(
                RepositoryModelLoadRequest.newBuilder().setModelName("repo").build());
        assertThat(readyStatus("r2")).as("the newest, loaded").isEqualTo(200);
        assertThat(readyStatus("r1")).as("still unloaded").isEqualTo(400);
    }

    @Test
    void whatTheAliasServesCannotBeUnloadedAndTheRoleAdminIsNeeded() throws Exception {
        asAdmin()
                .body(versionBody(target))
                .post("/v2/repository/models/digits/unload")
                .then()
                .statusCode(409)
                .body("error", containsString("the alias 'digits' serves it"));
        assertGrpc(
                () ->
                        admin.repositoryModelUnload(
                                RepositoryModelUnloadRequest.newBuilder()
                                        .setModelName("digits")
                                        .build()),
                Status.Code.FAILED_PRECONDITION);
        asAdmin()
                .body(versionBody("r9"))
                .post("/v2/repository/models/repo/load")
                .then()
                .statusCode(404)
                .body("error", containsString("'r9'"));
        assertGrpc(
                () ->
                        admin.repositoryModelLoad(
                                RepositoryModelLoadRequest.newBuilder()
                                        .setModelName("nope")
                                        .build()),
                Status.Code.NOT_FOUND);
        given().get("/v2/models/repo/versions/r9/ready").then().statusCode(404);

        given().contentType("application/json")
                .body("{}")
                .post("/v2/repository/index")
                .then()
                .statusCode(401);
        given().auth()
                .oauth2(KafkaBrokerTestResource.token("predict", "train"))
                .contentType("application/json")
                .body(versionBody("r1"))
                .post("/v2/repository/models/repo/unload")
                .then()
                .statusCode(403);
        assertGrpc(
                () -> stub().repositoryIndex(RepositoryIndexRequest.getDefaultInstance()),
                Status.Code.UNAUTHENTICATED);
        assertGrpc(
                () ->
                        stub("predict")
                                .repositoryModelUnload(
                                        RepositoryModelUnloadRequest.newBuilder()
                                                .setModelName("repo")
                                                .build()),
                Status.Code.PERMISSION_DENIED);
        assertThat(readyStatus("r1"))
                .as("nothing was unloaded by the refused calls")
                .isEqualTo(200);
        assertThat(readyStatus("r2")).isEqualTo(200);
        given().get("/v2/health/ready").then().statusCode(200);
    }

    static void assertGrpc(Runnable call, Status.Code code) {
        assertThatThrownBy(call::run)
                .isInstanceOf(StatusRuntimeException.class)
                .satisfies(
                        e ->
                                assertThat(((StatusRuntimeException) e).getStatus().getCode())
                                        .isEqualTo(code));
    }
}
