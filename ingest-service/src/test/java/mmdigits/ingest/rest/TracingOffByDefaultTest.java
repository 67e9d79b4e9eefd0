package mmdigits.ingest.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import mmdigits.common.Topics;
import mmdigits.common.tracing.KafkaTracing;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * With no OTLP endpoint configured nothing is traced and nothing is exported anywhere: the service
 * runs its default configuration (the one every test here shares) while listeners sit on the OTLP
 * exporter's default ports (4317 gRPC, 4318 HTTP, on 127.0.0.1 and ::1 — where an SDK left on would
 * send to {@code localhost}). A sample goes through {@code POST /samples} (an HTTP server span and
 * a publish span, were tracing on); after the span processor's schedule delay, when a batch would
 * have been exported, no connection has arrived, the record carries no trace context, the SDK is
 * disabled and our tracer's spans are no-ops.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class TracingOffByDefaultTest {
    static final int[] OTLP_PORTS = {4317, 4318};

    /** Counts the connections made to the OTLP default ports while open. */
    static final class Listeners implements AutoCloseable {
        final AtomicInteger connections = new AtomicInteger();
        final List<String> watched = new ArrayList<>();
        private final List<ServerSocket> bound = new ArrayList<>();

        Listeners() {
            for (String host : List.of("127.0.0.1", "::1")) {
                for (int port : OTLP_PORTS) {
                    listen(host, port);
                }
            }
        }

        private void listen(String host, int port) {
            try {
                ServerSocket s = new ServerSocket();
                s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
                bound.add(s);
                watched.add(host + " " + port);
                Thread t = new Thread(() -> accept(s), "otlp-port-" + port);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                // taken, or no IPv6 here: the test says which ports it watched
            }
        }

        private void accept(ServerSocket s) {
            while (!s.isClosed()) {
                try (Socket ignored = s.accept()) {
                    connections.incrementAndGet();
                } catch (IOException e) {
                    return;
                }
            }
        }

        void awaitConnections(int n) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (connections.get() < n && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(connections.get()).isEqualTo(n);
        }

        @Override
        public void close() throws IOException {
            for (ServerSocket s : bound) {
                s.close();
            }
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = "quarkus.otel.sdk.disabled")
    boolean sdkDisabled;

    @ConfigProperty(name = "quarkus.otel.bsp.schedule.delay")
    Duration exportDelay;

    @Inject KafkaTracing tracing;

    @Test
    void nothingIsTracedOrExportedWithoutAnEndpoint() throws Exception {
        try (Listeners otlpPorts = new Listeners()) {
            Assumptions.assumeTrue(
                    otlpPorts.watched.containsAll(List.of("127.0.0.1 4317", "127.0.0.1 4318")),
                    "ports 4317 and 4318 of 127.0.0.1 are taken: nothing to watch");
            // the listeners count what reaches them
            new Socket("127.0.0.1", OTLP_PORTS[0]).close();
            otlpPorts.awaitConnections(1);
            otlpPorts.connections.set(0);

            given().auth()
                    .oauth2(SampleResourceTest.TOKEN)
                    .contentType(ContentType.JSON)
                    .body(SampleResourceTest.sample("untraced", "test", 0, null, 784, "0"))
                    .post("/samples")
                    .then()
                    .statusCode(200)
                    .body("ids", contains("untraced/test/0"));
            ConsumerRecord<String, byte[]> record =
                    TopicReader.readAll(bootstrap, Topics.SAMPLES_TEST, "read_committed").stream()
                            .filter(r -> "untraced/test/0".equals(r.key()))
                            .findFirst()
                            .orElseThrow();
            Thread.sleep(exportDelay.plusSeconds(1).toMillis()); // a batch would be exported now

            assertThat(otlpPorts.connections.get())
                    .as("connections to %s", otlpPorts.watched)
                    .isZero();
            assertThat(record.headers().lastHeader("traceparent")).isNull();
        }
        assertThat(sdkDisabled).isTrue();
        assertThat(tracing.enabled()).isFalse();
        Span span =
                tracing.startSend(
                        KafkaTracing.PUBLISH_SAMPLE, Topics.SAMPLES_TEST, Context.current());
        assertThat(span.isRecording()).isFalse();
        assertThat(span.getSpanContext().isValid()).isFalse();
        span.end();
    }
}
