package mmdigits.common.rest;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;

import mmdigits.common.sample.InvalidSampleException;
import mmdigits.common.seed.SeedFileException;

/**
 * Maps exceptions to {@link Problem} responses, the same in every service (discovered through the
 * Jandex index of this module).
 */
public final class ProblemMappers {
    private ProblemMappers() {
    }

    public static Response response(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    @Provider
    public static class ProblemExceptionMapper implements ExceptionMapper<ProblemException> {
        @Override
        public Response toResponse(ProblemException e) {
            return response(e.problem());
        }
    }

    @Provider
    public static class InvalidSampleMapper implements ExceptionMapper<InvalidSampleException> {
        @Override
        public Response toResponse(InvalidSampleException e) {
            return response(Problem.of(400, "invalid-sample", "Invalid sample", e.getMessage(), e.field()));
        }
    }

    @Provider
    public static class SeedFileMapper implements ExceptionMapper<SeedFileException> {
        @Override
        public Response toResponse(SeedFileException e) {
            return response(Problem.of(400, "invalid-file", "Invalid data file", e.getMessage(), e.file()));
        }
    }

    @Provider
    public static class JsonMapper implements ExceptionMapper<JsonProcessingException> {
        @Override
        public Response toResponse(JsonProcessingException e) {
            String field = null;
            if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
                StringBuilder sb = new StringBuilder();
                for (JsonMappingException.Reference ref : m.getPath()) {
                    if (ref.getFieldName() != null) {
                        sb.append(sb.isEmpty() ? "" : ".").append(ref.getFieldName());
                    } else if (ref.getIndex() >= 0) {
                        sb.append('[').append(ref.getIndex()).append(']');
                    }
                }
                field = sb.toString();
            }
            String detail = "malformed JSON" + (field == null ? "" : " at '" + field + "'") + ": " + e.getOriginalMessage();
            return response(Problem.of(400, "malformed-json", "Malformed JSON", detail, field));
        }
    }

    @Provider
    public static class WebApplicationMapper implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
            int status = e.getResponse().getStatus();
            Response.Status s = Response.Status.fromStatusCode(status);
            String title = s == null ? "HTTP " + status : s.getReasonPhrase();
            String slug = title.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
            return response(Problem.of(status, slug, title, e.getMessage(), null));
        }
    }
}
