package mmdigits.inference.rest;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import mmdigits.common.rest.Problem;
import mmdigits.common.rest.ProblemException;
import mmdigits.common.rest.ProblemMappers;
import mmdigits.inference.InvalidInputException;
import mmdigits.inference.model.BusyException;
import mmdigits.inference.model.NoModelException;
import mmdigits.inference.model.UnknownModelException;

/** Problem responses for this service's own exceptions (the common mappers cover the rest). */
public final class InferenceProblems {
    private InferenceProblems() {}

    @Provider
    public static class InvalidInputMapper implements ExceptionMapper<InvalidInputException> {
        @Override
        public Response toResponse(InvalidInputException e) {
            return ProblemMappers.response(
                    Problem.of(400, "invalid-input", "Invalid input", e.getMessage(), e.field()));
        }
    }

    @Provider
    public static class UnknownModelMapper implements ExceptionMapper<UnknownModelException> {
        @Override
        public Response toResponse(UnknownModelException e) {
            return ProblemMappers.response(
                    Problem.of(404, "unknown-model", "Unknown model", e.getMessage(), "model"));
        }
    }

    @Provider
    public static class NoModelMapper implements ExceptionMapper<NoModelException> {
        @Override
        public Response toResponse(NoModelException e) {
            return ProblemMappers.response(
                    Problem.of(503, "no-model", "No model loaded", e.getMessage(), null));
        }
    }

    /** The scoring queue is full or the request timed out: 503 with {@code Retry-After}. */
    @Provider
    public static class BusyMapper implements ExceptionMapper<BusyException> {
        @Override
        public Response toResponse(BusyException e) {
            return new ProblemMappers.ProblemExceptionMapper()
                    .toResponse(ProblemException.busy(e.getMessage(), e.retryAfterSeconds()));
        }
    }
}
