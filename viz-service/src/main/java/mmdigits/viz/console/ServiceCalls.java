package mmdigits.viz.console;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import mmdigits.common.rest.Problem;
import mmdigits.common.rest.ProblemException;
import mmdigits.viz.config.VizConfig;

/**
 * The console's HTTP calls to the other services: an action forwarded with the user's bearer token
 * (the service it reaches checks the role), or a read of the trainer's registry. Only the base URLs
 * of {@code viz.console.*} are called, with the paths the console names; a service that does not
 * answer is a 502 naming it.
 */
@ApplicationScoped
public class ServiceCalls {
    /** A service's answer, passed on as it came. */
    public record Answer(int status, String contentType, byte[] body) {}

    private final HttpClient http;
    private final Duration timeout;

    public ServiceCalls(VizConfig config) {
        this.timeout = config.console().timeout();
        this.http =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(timeout)
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .build();
    }

    /** POSTs a JSON body, with the caller's {@code Authorization} header when there is one. */
    public Answer post(URI base, String path, String authorization, String json) {
        HttpRequest.Builder r =
                request(base, path)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json));
        if (authorization != null && !authorization.isBlank()) {
            r.header("Authorization", authorization);
        }
        return send(r.build(), base);
    }

    /** GETs a path, waiting at most {@code wait} for the answer. */
    public Answer get(URI base, String path, Duration wait) {
        return send(request(base, path).timeout(wait).GET().build(), base);
    }

    private HttpRequest.Builder request(URI base, String path) {
        String root = base.toString().replaceAll("/+$", "");
        return HttpRequest.newBuilder(URI.create(root + path))
                .timeout(timeout)
                .header("Accept", "application/json");
    }

    private Answer send(HttpRequest request, URI base) {
        try {
            HttpResponse<byte[]> a = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(
                    a.statusCode(),
                    a.headers().firstValue("Content-Type").orElse("application/octet-stream"),
                    a.body());
        } catch (IOException e) {
            throw new ProblemException(
                    Problem.of(
                            502,
                            "bad-gateway",
                            "Bad gateway",
                            base + " did not answer " + request.uri().getPath() + ": " + e,
                            null),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProblemException.unavailable("interrupted while waiting for " + base);
        }
    }
}
