package mmdigits.inference.payloadlog;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.util.JsonFormat;
import io.cloudevents.CloudEvent;
import io.cloudevents.kafka.KafkaMessageFactory;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import mmdigits.common.Topics;
import mmdigits.common.proto.Sample;
import mmdigits.inference.KafkaFixtures;
import mmdigits.inference.Releases;
import mmdigits.inference.grpc.oip.GRPCInferenceServiceGrpc;
import mmdigits.inference.grpc.oip.InferTensorContents;
import mmdigits.inference.grpc.oip.ModelInferRequest;
import mmdigits.inference.grpc.oip.ModelInferResponse;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.Scrape;
import mmdigits.localkafka.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The payload log on the real broker (on in the test profile): 500 concurrent REST, KServe and gRPC
 * requests give exactly one CloudEvent each on digits.payloads, in binary mode, with the version
 * that answered, the trace context that was sent and bodies that read back as the request and the
 * answer; errors and uploads are logged too. The stalled broker: {@code
 * ClosedPredictionsTest#aStalledPayloadLogFailsNoRequest}.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@Order(4)
class PayloadLogTest {
    static final int N = 500;
    static final String EVENTS = "mmdigits_inference_payload_log_events_total";
    static final ObjectMapper JSON = new ObjectMapper();

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = KafkaBrokerTestResource.GRPC_PORT)
    int grpcPort;

    @TestHTTPResource("/")
    URL base;

    /** One request as sent and its answer as received. */
    record Call(
            String id,
            String protocol,
            String traceparent,
            String version,
            String request,
            String response,
            int status) {}

    @Test
    void everyRequestUnderLoadIsOneCloudEvent() throws Exception {
        Releases.ensureLoaded(bootstrap);
        String run = UUID.randomUUID().toString().substring(0, 8);
        double sentBefore = Scrape.now().sum(EVENTS, "outcome=sent");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Call> calls = new ArrayList<>();
        try {
            List<Future<Call>> futures = new ArrayList<>();
            for (int i = 0; i < N; i++) {
                int n = i;
                futures.add(pool.submit(() -> call(http, channel, run, n)));
            }
            for (Future<Call> f : futures) {
                calls.add(f.get(60, TimeUnit.SECONDS));
            }
            calls.add(badJson(http, run));
            calls.add(badUpload(run));
        } finally {
            pool.shutdownNow();
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        Map<String, Call> byId = new HashMap<>();
        calls.forEach(c -> byId.put(c.id(), c));
        assertThat(byId).as("request ids given or returned in X-Request-Id").hasSize(N + 2);

        Map<String, List<ConsumerRecord<String, byte[]>>> events = awaitEvents(byId.keySet());
        Set<String> eventIds = new HashSet<>();
        for (Call c : calls) {
            assertThat(events.get(c.id())).as("events of request %s", c.id()).hasSize(1);
            ConsumerRecord<String, byte[]> r = events.get(c.id()).get(0);
            assertEvent(c, r);
            eventIds.add(header(r, "ce_id"));
        }
        assertThat(eventIds).as("ce_id unique").hasSize(N + 2);
        Scrape after = Scrape.now();
        assertThat(after.sum(EVENTS, "outcome=sent") - sentBefore).isGreaterThanOrEqualTo(N + 2);
        assertThat(after.sum(EVENTS, "outcome=dropped")).isZero();
        assertThat(after.sum("mmdigits_inference_payload_log_send_seconds_count"))
                .isGreaterThanOrEqualTo(N + 2);
        after.assertDocumented();
    }

    private Call call(HttpClient http, ManagedChannel channel, String run, int i) throws Exception {
        Sample s = KafkaFixtures.sample("payload-" + run, i, false);
        String traceparent =
                i % 4 == 0
                        ? "00-%032x-%016x-01".formatted(i + 1, run.hashCode() & 0xffffffffL)
                        : null;
        return switch (i % 3) {
            case 0 -> rest(http, run + "-" + i, s, traceparent, i % 2 == 0);
            case 1 -> kserve(http, run + "-" + i, s, traceparent);
            default -> grpc(channel, run + "-" + i, s, traceparent, i % 2 == 0);
        };
    }

    /**
     * POST /api/predictions; every other one without an id (the answer's X-Request-Id names it).
     */
    private Call rest(HttpClient http, String id, Sample s, String traceparent, boolean withId)
            throws Exception {
        ObjectNode body = JSON.createObjectNode();
        body.set("image", JSON.valueToTree(KafkaFixtures.image(s)));
        body.set("audio", JSON.valueToTree(KafkaFixtures.audio(s)));
        HttpRequest.Builder b = post("api/predictions", body.toString());
        if (withId) {
            b.header("X-Request-Id", id);
        }
        return send(
                http, b, "rest", withId ? id : null, traceparent, body.toString(), "modelVersion");
    }

    /** KServe infer with the id in the body, not in a header. */
    private Call kserve(HttpClient http, String id, Sample s, String traceparent) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("id", id);
        ArrayNode inputs = body.putArray("inputs");
        inputs.add(tensor("image", KafkaFixtures.image(s)));
        inputs.add(tensor("audio", KafkaFixtures.audio(s)));
        return send(
                http,
                post("v2/models/digits/infer", body.toString()),
                "kserve",
                id,
                traceparent,
                body.toString(),
                "model_version");
    }

    private static ObjectNode tensor(String name, float[] values) {
        ObjectNode t = JSON.createObjectNode().put("name", name).put("datatype", "FP32");
        t.putArray("shape").add(1).add(values.length);
        t.set("data", JSON.valueToTree(values));
        return t;
    }

    private HttpRequest.Builder post(String path, String body) {
        return HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private Call send(
            HttpClient http,
            HttpRequest.Builder b,
            String protocol,
            String id,
            String traceparent,
            String request,
            String versionField)
            throws Exception {
        if (traceparent != null) {
            b.header("traceparent", traceparent);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String returned = r.headers().firstValue("X-Request-Id").orElseThrow();
        if (id != null) {
            assertThat(returned).isEqualTo(id);
        }
        String version = JSON.readTree(r.body()).get(versionField).asText();
        return new Call(returned, protocol, traceparent, version, request, r.body(), 200);
    }

    /** ModelInfer; every other one with the id in the metadata, the others in the request. */
    private Call grpc(
            ManagedChannel channel, String id, Sample s, String traceparent, boolean inMetadata)
            throws Exception {
        ModelInferRequest request =
                ModelInferRequest.newBuilder()
                        .setModelName("digits")
                        .setId(inMetadata ? "" : id)
                        .addInputs(input("image", KafkaFixtures.image(s)))
                        .addInputs(input("audio", KafkaFixtures.audio(s)))
                        .build();
        Metadata sent = new Metadata();
        if (inMetadata) {
            sent.put(GrpcExchanges.REQUEST_ID, id);
        }
        if (traceparent != null) {
            sent.put(GrpcExchanges.TRACEPARENT, traceparent);
        }
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        ModelInferResponse response =
                GRPCInferenceServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .withInterceptors(
                                MetadataUtils.newAttachHeadersInterceptor(sent),
                                MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
                        .modelInfer(request);
        assertThat(headers.get().get(GrpcExchanges.REQUEST_ID)).isEqualTo(id);
        return new Call(
                id,
                "grpc",
                traceparent,
                response.getModelVersion(),
                JsonFormat.printer().print(request),
                JsonFormat.printer().print(response),
                200);
    }

    private static ModelInferRequest.InferInputTensor input(String name, float[] values) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (float v : values) {
            c.addFp32Contents(v);
        }
        return ModelInferRequest.InferInputTensor.newBuilder()
                .setName(name)
                .setDatatype("FP32")
                .addShape(1)
                .addShape(values.length)
                .setContents(c)
                .build();
    }

    /** A request that is not JSON: answered 400, logged all the same (its body in base64). */
    private Call badJson(HttpClient http, String run) throws Exception {
        String id = run + "-bad-json";
        HttpResponse<String> r =
                http.send(
                        post("api/predictions", "{\"image\": [1, 2,")
                                .header("X-Request-Id", id)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        return new Call(id, "rest", null, null, "{\"image\": [1, 2,", r.body(), 400);
    }

    /** An upload that is not an image: answered 400, logged with the form's size, not its files. */
    private Call badUpload(String run) {
        String id = run + "-upload";
        String answer =
                given().header("X-Request-Id", id)
                        .multiPart("image", "x.png", "not an image".getBytes(), "image/png")
                        .post("/api/predictions")
                        .then()
                        .statusCode(400)
                        .header("X-Request-Id", id)
                        .extract()
                        .asString();
        return new Call(id, "rest", null, null, null, answer, 400);
    }

    /** The events keyed by the given request ids, read until each has one (or 60 s passed). */
    private Map<String, List<ConsumerRecord<String, byte[]>>> awaitEvents(Set<String> ids)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, List<ConsumerRecord<String, byte[]>>> byKey = new HashMap<>();
        while (System.nanoTime() < deadline) {
            byKey.clear();
            for (ConsumerRecord<String, byte[]> r :
                    TopicReader.readAll(bootstrap, Topics.PAYLOADS, "read_committed")) {
                if (ids.contains(r.key())) {
                    byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r);
                }
            }
            if (byKey.keySet().containsAll(ids)) {
                Thread.sleep(500); // anything more would be a duplicate
                return byKey;
            }
            Thread.sleep(250);
        }
        return byKey;
    }

    private static void assertEvent(Call c, ConsumerRecord<String, byte[]> r) throws Exception {
        assertThat(header(r, "ce_specversion")).isEqualTo("1.0");
        assertThat(header(r, "ce_type")).isEqualTo("mmdigits.inference.exchange");
        assertThat(header(r, "ce_source")).startsWith("/mmdigits/inference/");
        assertThat(OffsetDateTime.parse(header(r, "ce_time")))
                .isBetween(OffsetDateTime.now().minusMinutes(5), OffsetDateTime.now());
        assertThat(header(r, "content-type")).isEqualTo("application/json");
        assertThat(header(r, "ce_requestid")).isEqualTo(c.id());
        assertThat(header(r, "ce_protocol")).isEqualTo(c.protocol());
        assertThat(header(r, "ce_modelname")).isEqualTo("digits");
        assertThat(header(r, "ce_modelversion")).isEqualTo(c.version());
        assertThat(header(r, "ce_traceparent")).isEqualTo(c.traceparent());
        assertThat(header(r, "traceparent")).isEqualTo(c.traceparent());

        CloudEvent event = KafkaMessageFactory.createReader(r).toEvent();
        assertThat(event.getType()).isEqualTo("mmdigits.inference.exchange");
        assertThat(event.getExtension("modelversion")).isEqualTo(c.version());
        JsonNode data = JSON.readTree(event.getData().toBytes());
        assertThat(data.get("status").asText())
                .isEqualTo(c.protocol().equals("grpc") ? "OK" : Integer.toString(c.status()));
        assertThat(data.get("request_id").asText()).isEqualTo(c.id());
        assertBodies(c, data);
    }

    private static void assertBodies(Call c, JsonNode data) throws Exception {
        JsonNode request = data.get("request");
        JsonNode response = data.get("response");
        if (c.protocol().equals("grpc")) {
            ModelInferRequest.Builder q = ModelInferRequest.newBuilder();
            JsonFormat.parser().merge(request.get("body").toString(), q);
            ModelInferRequest.Builder expected = ModelInferRequest.newBuilder();
            JsonFormat.parser().merge(c.request(), expected);
            assertThat(q.build()).isEqualTo(expected.build());
            ModelInferResponse.Builder a = ModelInferResponse.newBuilder();
            JsonFormat.parser().merge(response.get("body").toString(), a);
            ModelInferResponse.Builder answered = ModelInferResponse.newBuilder();
            JsonFormat.parser().merge(c.response(), answered);
            assertThat(a.build()).isEqualTo(answered.build());
            assertThat(request.get("message").asText()).isEqualTo("inference.ModelInferRequest");
            return;
        }
        assertThat(response.get("body")).isEqualTo(JSON.readTree(c.response()));
        if (c.request() == null) {
            assertThat(request.get("omitted").asText()).isEqualTo("multipart");
            assertThat(request.get("content_type").asText()).startsWith("multipart/form-data");
            assertThat(request.has("body")).isFalse();
        } else if (c.status() == 200) {
            assertThat(request.get("body")).isEqualTo(JSON.readTree(c.request()));
            assertThat(request.get("size").asInt())
                    .isEqualTo(c.request().getBytes(StandardCharsets.UTF_8).length);
        } else {
            assertThat(new String(request.get("body_base64").binaryValue(), StandardCharsets.UTF_8))
                    .isEqualTo(c.request());
        }
    }

    static String header(ConsumerRecord<String, byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
