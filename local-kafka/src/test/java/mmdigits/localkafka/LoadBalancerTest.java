package mmdigits.localkafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import mmdigits.localkafka.LoadBalancer.Frontend;
import mmdigits.localkafka.LoadBalancer.Protocol;
import mmdigits.localkafka.LoadBalancer.Server;
import mmdigits.localkafka.LoadBalancer.ServerStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HAProxy configuration {@link LoadBalancer} writes, and the real HAProxy on it in front of two
 * JDK HTTP servers standing in for replicas: requests go to ready replicas only, and a replica that
 * vanishes costs no request.
 */
class LoadBalancerTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final int CLOSED = -1;

    @TempDir Path dir;

    @Test
    void eachFrontendChecksReadinessAndAGrpcOneOnTheReplicasHttpPort() {
        String config =
                LoadBalancer.config(
                        List.of(
                                Frontend.http(
                                        "ingest",
                                        8081,
                                        List.of(
                                                Server.of("127.0.0.1", 18081),
                                                Server.of("127.0.0.1", 18082))),
                                Frontend.grpc(
                                                "inference-grpc",
                                                8084,
                                                List.of(new Server("127.0.0.1", 18084, 18080)))
                                        .withReplay()),
                        8404);
        assertThat(config.lines().map(String::strip).toList())
                .containsSubsequence(
                        "listen ingest",
                        "bind 127.0.0.1:8081",
                        "http-check send meth GET uri /q/health/ready",
                        "http-check expect status 200",
                        "server ingest-0 127.0.0.1:18081 check",
                        "server ingest-1 127.0.0.1:18082 check",
                        "listen inference-grpc",
                        "bind 127.0.0.1:8084 proto h2",
                        "http-check send meth GET uri /q/health/ready",
                        "option http-buffer-request",
                        "retry-on conn-failure empty-response",
                        "server inference-grpc-0 127.0.0.1:18084 proto h2 check port 18080"
                                + " check-proto h1",
                        "listen stats",
                        "bind 127.0.0.1:8404")
                .contains(
                        "retries 3",
                        "option redispatch 1",
                        "retry-on conn-failure",
                        "default-server inter 500ms fall 2 rise 2")
                .filteredOn(l -> l.startsWith("bind "))
                .allMatch(l -> l.startsWith("bind 127.0.0.1:"));
        // ingest's requests are not idempotent: sent again only when they never reached a replica
        assertThat(
                        config.substring(
                                config.indexOf("listen ingest"),
                                config.indexOf("listen inference-grpc")))
                .doesNotContain("empty-response", "http-buffer-request");
        assertThat(LoadBalancer.config(List.of(frontend(9000, 9001)), 0))
                .doesNotContain("listen stats");
    }

    @Test
    void theCommandLineNamesFrontendsReplicasAndCheckPorts() {
        Frontend f =
                Frontend.parse(
                        "inference-grpc=8084:h2c+replay:127.0.0.1:18084/18080,localhost:18085/18083");
        assertThat(f)
                .isEqualTo(
                        new Frontend(
                                "inference-grpc",
                                8084,
                                Protocol.H2C,
                                List.of(
                                        new Server("127.0.0.1", 18084, 18080),
                                        new Server("localhost", 18085, 18083)),
                                LoadBalancer.READY,
                                true));
        assertThat(Frontend.parse("ingest=8081:http:127.0.0.1:18081"))
                .isEqualTo(Frontend.http("ingest", 8081, List.of(Server.of("127.0.0.1", 18081))));
        assertThatThrownBy(() -> Frontend.parse("ingest=8081:tcp:127.0.0.1:18081"))
                .hasMessageContaining("expected http or h2c");
        assertThatThrownBy(() -> Frontend.parse("ingest=8081"))
                .hasMessageContaining("expected NAME=PORT:PROTOCOL");
    }

    @Test
    void requestsGoToReadyReplicasAndAVanishedOneCostsNone() throws Exception {
        Replica a = new Replica("a");
        Replica b = new Replica("b");
        try (LoadBalancer lb = LoadBalancer.start(dir, List.of(frontend(a.port(), b.port())))) {
            lb.awaitStatus("svc", "svc-0", "UP", Duration.ofSeconds(10));
            lb.awaitStatus("svc", "svc-1", "UP", Duration.ofSeconds(10));
            assertThat(answers(lb, 10)).containsOnly("a", "b").contains("a", "b");

            b.ready.set(false);
            lb.awaitStatus("svc", "svc-1", "DOWN", Duration.ofSeconds(10));
            assertThat(answers(lb, 10)).containsOnly("a");

            b.ready.set(true);
            lb.awaitStatus("svc", "svc-1", "UP", Duration.ofSeconds(10));
            a.server.stop(0);
            // before the health checks notice, the requests sent to a are refused and sent to b
            assertThat(answers(lb, 10)).containsOnly("b");
            assertThat(stats(lb, "svc-0").redispatches()).isPositive();
            lb.awaitStatus("svc", "svc-0", "DOWN", Duration.ofSeconds(10));
        } finally {
            a.server.stop(0);
            b.server.stop(0);
        }
    }

    @Test
    void aRequestWhoseReplicaDiedWithItIsSentAgainOnlyWhereThatIsSafe() throws Exception {
        Replica good = new Replica("good");
        try (Dropper dropper = new Dropper()) {
            Frontend once = frontend(good.port(), dropper.port());
            Frontend twice = frontend(good.port(), dropper.port()).withReplay();
            // the dropped ones: a 502, or the client connection closed (HAProxy lets a client
            // repeat a request that was not the first on its connection, as browsers do)
            assertThat(statuses(once)).contains(200).anyMatch(s -> s == 502 || s == CLOSED);
            assertThat(statuses(twice)).containsOnly(200);
        } finally {
            good.server.stop(0);
        }
    }

    /**
     * The statuses of ten POSTs through a load balancer with only this frontend, once both replicas
     * are UP; {@link #CLOSED} for a connection closed without an answer.
     */
    private List<Integer> statuses(Frontend f) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        try (LoadBalancer lb =
                LoadBalancer.start(dir.resolve(f.replay() ? "twice" : "once"), List.of(f))) {
            lb.awaitStatus("svc", "svc-0", "UP", Duration.ofSeconds(10));
            lb.awaitStatus("svc", "svc-1", "UP", Duration.ofSeconds(10));
            URI uri = URI.create("http://127.0.0.1:" + f.port() + "/hello");
            for (int i = 0; i < 10; i++) {
                statuses.add(post(uri));
            }
        }
        return statuses;
    }

    private static int post(URI uri) throws InterruptedException {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(uri)
                                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return CLOSED;
        }
    }

    @Test
    void aConfigurationHaproxyRefusesFailsTheStartWithItsWords() {
        Frontend clash = frontend(1, 2);
        assertThatThrownBy(() -> LoadBalancer.start(dir, List.of(clash, clash)))
                .hasMessageContaining("haproxy does not listen")
                .hasMessageContaining("svc");
    }

    private static Frontend frontend(int portA, int portB) {
        try {
            return Frontend.http(
                    "svc",
                    BrokerProcess.freePort(),
                    List.of(Server.of("127.0.0.1", portA), Server.of("127.0.0.1", portB)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> answers(LoadBalancer lb, int n) throws Exception {
        List<String> names = new ArrayList<>();
        URI uri = URI.create("http://127.0.0.1:" + lb.port("svc") + "/hello");
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r =
                    HTTP.send(
                            HttpRequest.newBuilder(uri).build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            names.add(r.body());
        }
        return names;
    }

    private static ServerStats stats(LoadBalancer lb, String server) throws Exception {
        return lb.stats().stream().filter(s -> s.server().equals(server)).findFirst().orElseThrow();
    }

    /**
     * A replica that is ready, and dies with every other request: reads it and closes the
     * connection without a byte of answer.
     */
    private static final class Dropper implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final Thread thread = new Thread(this::serve, "dropper");

        Dropper() throws IOException {
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                    String line =
                            new BufferedReader(
                                            new InputStreamReader(
                                                    s.getInputStream(), StandardCharsets.US_ASCII))
                                    .readLine();
                    if (line != null && line.contains(LoadBalancer.READY)) {
                        s.getOutputStream()
                                .write(
                                        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                                                .getBytes(StandardCharsets.US_ASCII));
                    }
                } catch (IOException e) {
                    // closed by close(), or a client gone: the next accept tells
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** A replica: its name on every path but readiness, which answers 200 while it is ready. */
    private static final class Replica {
        final HttpServer server;
        final AtomicBoolean ready = new AtomicBoolean(true);

        Replica(String name) throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
            server.createContext(
                    LoadBalancer.READY, x -> answer(x, ready.get() ? 200 : 503, "ready"));
            server.createContext("/", x -> answer(x, 200, name));
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        private static void answer(HttpExchange x, int status, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(status, bytes.length);
            try (var out = x.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
