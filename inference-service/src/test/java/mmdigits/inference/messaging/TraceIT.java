package mmdigits.inference.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import mmdigits.common.Topics;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.common.proto.Sample;
import mmdigits.common.tracing.KafkaTracing;
import mmdigits.inference.KafkaFixtures;
import mmdigits.inference.Releases;
import mmdigits.localkafka.BrokerProcess;
import mmdigits.localkafka.Clone;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.Keys;
import mmdigits.localkafka.OtlpReceiver;
import mmdigits.localkafka.OtlpReceiver.ReceivedSpan;
import mmdigits.localkafka.ServiceProcess;
import mmdigits.localkafka.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One sample's trace spans two services: ingest-service and inference-service run as their packaged
 * jars against a local broker, exporting to an OTLP/HTTP receiver this test runs (the one switch:
 * {@code QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT}, with the protocol set to {@code http/protobuf}). A
 * sample posted to ingest's {@code POST /samples} is scored by the reference model; its record, its
 * prediction and the spans of both services carry one trace id: ingest's HTTP request → {@code
 * publish sample} → inference's {@code score sample} (its child, across the topic) whose context
 * the prediction and embedding records carry on.
 */
class TraceIT {
    static final String DATASET = "traced";
    static final Duration WAIT = Duration.ofSeconds(90);
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static Path work;
    static OtlpReceiver otlp;
    static BrokerProcess broker;
    static ServiceProcess ingest;
    static ServiceProcess inference;

    @BeforeAll
    static void start() throws Exception {
        work = Files.createDirectories(Path.of("target/trace-it").toAbsolutePath());
        otlp = OtlpReceiver.start(true);
        broker = BrokerProcess.start(Files.createTempDirectory(work, "kafka"));
        TopicAdmin.ensureTopics(broker.bootstrapServers(), Duration.ofSeconds(60));
        KafkaFixtures.send(
                broker.bootstrapServers(), List.of(KafkaFixtures.record(Releases.release("v1"))));
        Map<String, String> env = new HashMap<>(Keys.env(KafkaBrokerTestResource.testKeys()));
        env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.putAll(otlp.serviceEnv());
        env.put("QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "200ms"); // spans reach the receiver sooner
        ingest = launch("ingest-service", env);
        inference = launch("inference-service", env);
        ingest.awaitHealthy("/q/health/ready", WAIT);
        inference.awaitHealthy("/q/health/ready", WAIT); // ready: the model is loaded
    }

    static ServiceProcess launch(String service, Map<String, String> env) throws Exception {
        return ServiceProcess.launch(
                Clone.root(),
                service,
                BrokerProcess.freePort(),
                env,
                work.resolve(service + ".log"));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {ingest, inference, broker, otlp}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // stopping
            }
        }
    }

    @Test
    void oneSamplesTraceIdIsOnTheSpansOfIngestAndInference() throws Exception {
        Sample sample = KafkaFixtures.sample(DATASET, 7, false);
        String id = sample.getId();
        HttpResponse<String> posted = postSample(sample);
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);

        String[] published = traceparent(await(() -> record(Topics.SAMPLES_TEST, id)));
        String[] predicted = traceparent(await(() -> record(Topics.PREDICTIONS, id)));
        String[] embedded = traceparent(await(() -> record(Topics.EMBEDDINGS, id)));
        String traceId = published[1];
        assertThat(predicted[1]).as("the prediction's trace").isEqualTo(traceId);
        assertThat(embedded[2]).as("both outputs: the scoring span").isEqualTo(predicted[2]);
        assertThat(predicted[2]).as("a span of inference's own").isNotEqualTo(published[2]);

        ReceivedSpan publish =
                await(() -> span(traceId, "ingest-service", KafkaTracing.PUBLISH_SAMPLE, id));
        ReceivedSpan score =
                await(() -> span(traceId, "inference-service", KafkaTracing.SCORE_SAMPLE, id));
        ReceivedSpan request = await(() -> span(traceId, "ingest-service", "POST /samples", null));
        assertThat(publish.spanId()).isEqualTo(published[2]);
        assertThat(publish.parentSpanId()).as("publish ← the request").isEqualTo(request.spanId());
        assertThat(score.spanId()).isEqualTo(predicted[2]);
        assertThat(score.parentSpanId())
                .as("score ← publish, across Kafka")
                .isEqualTo(publish.spanId());
        assertThat(score.attributes())
                .containsEntry("mmdigits.work", "stream")
                .containsEntry("mmdigits.model.version", "v1")
                .containsEntry("messaging.destination.name", Topics.SAMPLES_TEST)
                .containsEntry("messaging.operation.type", "process");
        assertThat(publish.attributes())
                .containsEntry("mmdigits.dataset", DATASET)
                .containsEntry("messaging.operation.type", "send");
    }

    static HttpResponse<String> postSample(Sample sample) throws Exception {
        String token =
                Keys.token(
                        KafkaBrokerTestResource.testKeys(),
                        "trace-it",
                        List.of("ingest"),
                        Duration.ofMinutes(10));
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingest.port() + "/samples"))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + token)
                        .POST(
                                HttpRequest.BodyPublishers.ofString(
                                        JsonFormat.printer().print(sample)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The committed record of a sample on a topic. */
    static Optional<ConsumerRecord<String, byte[]>> record(String topic, String id) {
        return TopicReader.readAll(broker.bootstrapServers(), topic, "read_committed").stream()
                .filter(r -> id.equals(r.key()))
                .findFirst();
    }

    /** A record's {@code traceparent}: version, trace id, span id, flags. */
    static String[] traceparent(ConsumerRecord<String, byte[]> r) {
        assertThat(r.headers().lastHeader("traceparent"))
                .as(r.topic() + " traceparent")
                .isNotNull();
        String[] parts =
                new String(r.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8)
                        .split("-");
        assertThat(parts).hasSize(4);
        return parts;
    }

    /** A received span of the trace by service and name (and sample id when given). */
    static Optional<ReceivedSpan> span(String traceId, String service, String name, String id) {
        return otlp.spans().stream()
                .filter(s -> s.traceId().equals(traceId))
                .filter(s -> service.equals(s.service()) && name.equals(s.name()))
                .filter(s -> id == null || id.equals(s.attributes().get("mmdigits.sample.id")))
                .findFirst();
    }

    static <T> T await(Supplier<Optional<T>> what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> found = what.get();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not there within " + WAIT + "; spans received: " + otlp.spans());
    }
}
