package mmdigits.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * A client that sends requests through the load balancer the whole time, one after the other, as a
 * user would: every answer that is not 200, and every request that got no answer, is a failure,
 * kept with the phase of the test it happened in.
 */
final class LoadClient implements AutoCloseable {
    private final HttpClient http =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
    private final String name;
    private final URI uri;
    private final String token;
    private final LongFunction<String> body;
    private final long pauseMs;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong ok = new AtomicLong();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final List<Long> answered = new CopyOnWriteArrayList<>();
    private volatile String phase = "start";
    private volatile boolean running = true;
    private final Thread thread;

    /**
     * @param body the JSON body of request {@code i}
     */
    LoadClient(String name, URI uri, String token, LongFunction<String> body, long pauseMs) {
        this.name = name;
        this.uri = uri;
        this.token = token;
        this.body = body;
        this.pauseMs = pauseMs;
        this.thread = new Thread(this::run, "load-" + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        while (running) {
            long i = sent.getAndIncrement();
            String where = phase;
            try {
                HttpResponse<String> r =
                        http.send(
                                HttpRequest.newBuilder(uri)
                                        .timeout(Duration.ofSeconds(60))
                                        .header("Content-Type", "application/json")
                                        .header("Authorization", "Bearer " + token)
                                        .POST(HttpRequest.BodyPublishers.ofString(body.apply(i)))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    ok.incrementAndGet();
                    answered.add(i);
                } else {
                    failures.add(where + ": HTTP " + r.statusCode() + " " + r.body());
                }
            } catch (IOException e) {
                failures.add(where + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            sleep();
        }
    }

    private void sleep() {
        try {
            Thread.sleep(pauseMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Failures from now on are counted under this phase. */
    void phase(String p) {
        this.phase = p;
    }

    /** Requests answered 200. */
    long ok() {
        return ok.get();
    }

    /** The numbers of the requests answered 200. */
    List<Long> answered() {
        return List.copyOf(answered);
    }

    /** Requests sent and answered (any status) or failed, so far. */
    long sent() {
        return sent.get();
    }

    List<String> failures(String inPhase) {
        return failures.stream().filter(f -> f.startsWith(inPhase + ":")).toList();
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    String name() {
        return name;
    }

    /** Stops after the request in flight; returns how many were sent. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(120_000);
    }
}
