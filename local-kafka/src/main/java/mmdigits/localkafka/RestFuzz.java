package mmdigits.localkafka;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Posts {@link Fuzz} mutants of valid JSON bodies to a service under test with a bearer token, as
 * every service's {@code FuzzTest} does: each answer must be a 2xx or a 4xx. Where the route
 * answers errors as RFC 9457 problems, {@link #problemsOnly()} also fails a 4xx that is not one.
 * RestAssured comes from the service's own test classpath.
 *
 * @param token the bearer token sent with every case
 * @param problemsRequired whether a 4xx must be {@code application/problem+json}
 * @param afterEach what to do with each answer (e.g. cancel the run a case queued)
 */
public record RestFuzz(String token, boolean problemsRequired, Consumer<Response> afterEach) {

    /** Cases sent with this token; any 2xx or 4xx passes. */
    public static RestFuzz withToken(String token) {
        return new RestFuzz(token, false, r -> {});
    }

    /** The same, but a 4xx must also be a problem document. */
    public RestFuzz problemsOnly() {
        return new RestFuzz(token, true, afterEach);
    }

    /** The same, doing {@code after} with each answer. */
    public RestFuzz afterEach(Consumer<Response> after) {
        return new RestFuzz(token, problemsRequired, after);
    }

    /**
     * Posts {@code n} mutants (seeded) of the valid bodies to {@code path}; returns how many
     * answers had each status.
     */
    public Map<Integer, Integer> post(String path, List<String> valid, long seed, int n) {
        return Fuzz.send(path, seed, Fuzz.mutants(seed, valid, n), body -> answer(path, body));
    }

    private Fuzz.Answer answer(String path, String body) {
        Response r =
                given().auth().oauth2(token).contentType(ContentType.JSON).body(body).post(path);
        afterEach.accept(r);
        return new Fuzz.Answer(judged(r), r.asString());
    }

    /** A 4xx that should have been a problem counts as a failure (reported as a 500). */
    private int judged(Response r) {
        boolean problem = r.statusCode() < 400 || isProblem(r);
        return !problemsRequired || problem ? r.statusCode() : 500;
    }

    private static boolean isProblem(Response r) {
        String type = r.contentType();
        return type != null && type.startsWith("application/problem+json");
    }
}
