package mmdigits.common.rest;

/** Thrown by resources to answer with a {@link Problem}. */
public class ProblemException extends RuntimeException {
    private final Problem problem;
    private final long retryAfterSeconds;

    public ProblemException(Problem problem) {
        this(problem, 0);
    }

    /** With {@code retryAfterSeconds > 0} the answer carries {@code Retry-After}. */
    public ProblemException(Problem problem, long retryAfterSeconds) {
        super(problem.detail());
        this.problem = problem;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public ProblemException(Problem problem, Throwable cause) {
        super(problem.detail(), cause);
        this.problem = problem;
        this.retryAfterSeconds = 0;
    }

    public Problem problem() {
        return problem;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /**
     * 503 with {@code Retry-After}: the service is busy now, the same request may succeed later.
     */
    public static ProblemException busy(String detail, long retryAfterSeconds) {
        return new ProblemException(
                Problem.of(503, "busy", "Service busy", detail, null), retryAfterSeconds);
    }

    public static ProblemException badRequest(String detail, String field) {
        return new ProblemException(Problem.badRequest(detail, field));
    }

    public static ProblemException conflict(String detail) {
        return new ProblemException(Problem.of(409, "conflict", "Conflict", detail, null));
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(Problem.of(404, "not-found", "Not found", detail, null));
    }

    /** 429: a bounded queue is full; the client may try again later. */
    public static ProblemException tooManyRequests(String detail) {
        return new ProblemException(
                Problem.of(429, "queue-full", "Too many requests", detail, null));
    }

    public static ProblemException unavailable(String detail) {
        return new ProblemException(
                Problem.of(503, "unavailable", "Service unavailable", detail, null));
    }
}
