package mmdigits.common.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.Locale;
import mmdigits.common.sample.InvalidSampleException;
import mmdigits.common.seed.SeedFileException;
import org.apache.kafka.common.KafkaException;

/**
 * Maps exceptions to {@link Problem} responses, the same in every service (discovered through the
 * Jandex index of this module).
 */
public final class ProblemMappers {
    private static final System.Logger LOG = System.getLogger(ProblemMappers.class.getName());

    private ProblemMappers() {}

    public static Response response(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    @Provider
    public static class ProblemExceptionMapper implements ExceptionMapper<ProblemException> {
        @Override
        public Response toResponse(ProblemException e) {
            logServerSide(e.problem());
            Response r = response(e.problem());
            return e.retryAfterSeconds() > 0
                    ? Response.fromResponse(r).header("Retry-After", e.retryAfterSeconds()).build()
                    : r;
        }
    }

    /**
     * A 5xx answer is this side's trouble (a broker that did not answer, a full queue): the
     * operator sees why in the log, not only the client.
     */
    private static void logServerSide(Problem problem) {
        if (problem.status() >= 500) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "answered "
                            + problem.status()
                            + " "
                            + problem.title()
                            + ": "
                            + problem.detail());
        }
    }

    @Provider
    public static class InvalidSampleMapper implements ExceptionMapper<InvalidSampleException> {
        @Override
        public Response toResponse(InvalidSampleException e) {
            return response(
                    Problem.of(400, "invalid-sample", "Invalid sample", e.getMessage(), e.field()));
        }
    }

    @Provider
    public static class SeedFileMapper implements ExceptionMapper<SeedFileException> {
        @Override
        public Response toResponse(SeedFileException e) {
            return response(
                    Problem.of(400, "invalid-file", "Invalid data file", e.getMessage(), e.file()));
        }
    }

    /**
     * A problem for unparsable JSON, naming the JSON path of the field at fault after {@code
     * prefix}.
     */
    public static Problem jsonProblem(JsonProcessingException e, String prefix) {
        StringBuilder sb = new StringBuilder(prefix == null ? "" : prefix);
        if (e instanceof JsonMappingException m) {
            for (JsonMappingException.Reference ref : m.getPath()) {
                if (ref.getFieldName() != null) {
                    sb.append(sb.isEmpty() || sb.charAt(sb.length() - 1) == '.' ? "" : ".")
                            .append(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    sb.append('[').append(ref.getIndex()).append(']');
                }
            }
        }
        String field = sb.isEmpty() ? null : sb.toString().replaceAll("\\.$", "");
        String detail =
                (field == null ? "malformed JSON" : field + ": malformed JSON")
                        + ": "
                        + e.getOriginalMessage();
        return Problem.of(400, "malformed-json", "Malformed JSON", detail, field);
    }

    @Provider
    public static class JsonMapper implements ExceptionMapper<JsonProcessingException> {
        @Override
        public Response toResponse(JsonProcessingException e) {
            return response(jsonProblem(e, null));
        }
    }

    /**
     * Wins over Quarkus REST's built-in mapper for this type, whose body is not the problem format.
     */
    @Provider
    public static class MismatchedInputMapper implements ExceptionMapper<MismatchedInputException> {
        @Override
        public Response toResponse(MismatchedInputException e) {
            return response(jsonProblem(e, null));
        }
    }

    /** Kafka did not take what a request sends (the broker away, a timeout): try again later. */
    @Provider
    public static class KafkaMapper implements ExceptionMapper<KafkaException> {
        @Override
        public Response toResponse(KafkaException e) {
            return response(
                    Problem.of(
                            503,
                            "unavailable",
                            "Service unavailable",
                            "Kafka did not take the request: " + e.getMessage(),
                            null));
        }
    }

    @Provider
    public static class WebApplicationMapper implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
            if (e.getCause() instanceof JsonProcessingException json) {
                return response(jsonProblem(json, null));
            }
            int status = e.getResponse().getStatus();
            Response.Status s = Response.Status.fromStatusCode(status);
            String title = s == null ? "HTTP " + status : s.getReasonPhrase();
            String slug = title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
            return response(Problem.of(status, slug, title, e.getMessage(), null));
        }
    }
}
