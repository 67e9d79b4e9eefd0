package mmdigits.inference.kserve;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/**
 * An error of a KServe route: its status and message, answered in the protocol's {@code {"error":
 * ...}} form.
 */
public class KServeException extends RuntimeException {
    private final int status;
    private final long retryAfterSeconds;

    public KServeException(int status, String message) {
        this(status, message, 0);
    }

    /** With {@code retryAfterSeconds > 0}, the answer carries {@code Retry-After}. */
    public KServeException(int status, String message, long retryAfterSeconds) {
        super(message);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    public static Response response(int status, String message) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(new KServe.ErrorBody(message))
                .build();
    }

    /** Answers every KServe error, thrown by a route or failing its asynchronous answer. */
    @Provider
    public static class Mapper implements ExceptionMapper<KServeException> {
        @Override
        public Response toResponse(KServeException e) {
            Response r = response(e.status(), e.getMessage());
            return e.retryAfterSeconds > 0
                    ? Response.fromResponse(r).header("Retry-After", e.retryAfterSeconds).build()
                    : r;
        }
    }
}
