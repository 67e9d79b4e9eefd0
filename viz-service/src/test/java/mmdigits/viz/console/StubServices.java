package mmdigits.viz.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The trainer as the console's actions see it: an HTTP server on a free loopback port that records
 * each request (method, path, Authorization, body) and answers 202 with {@code {"id":"stub-run"}};
 * its {@code GET /models} answers 503 until a test sets {@link #registry}. The inference URL is a
 * free port where nothing listens (a service that does not answer). Handed to viz as {@code
 * viz.console.trainer-url} and {@code viz.console.inference-url}.
 */
public class StubServices implements QuarkusTestResourceLifecycleManager {
    /** One request the stub received. */
    public record Received(String method, String path, String authorization, String body) {}

    public static final List<Received> RECEIVED = new CopyOnWriteArrayList<>();

    /** The body of GET /models (the trainer's registry); null: 503. */
    public static volatile String registry;

    /** Where nothing listens: the inference URL. */
    public static volatile String deadUrl;

    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", StubServices::answer);
            server.start();
            try (ServerSocket free = new ServerSocket(0, 1, null)) {
                deadUrl = "http://127.0.0.1:" + free.getLocalPort();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "viz.console.trainer-url",
                "http://127.0.0.1:" + server.getAddress().getPort(),
                "viz.console.inference-url",
                deadUrl);
    }

    private static void answer(HttpExchange x) throws IOException {
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = x.getRequestURI().getPath();
        if (x.getRequestMethod().equals("GET") && path.equals("/models")) {
            String r = registry;
            send(x, r == null ? 503 : 200, r == null ? "{}" : r);
            return;
        }
        RECEIVED.add(
                new Received(
                        x.getRequestMethod(),
                        path,
                        x.getRequestHeaders().getFirst("Authorization"),
                        body));
        send(x, 202, "{\"id\":\"stub-run\"}");
    }

    private static void send(HttpExchange x, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
        x.close();
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
