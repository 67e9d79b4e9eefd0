package mmdigits.common.rest;

/** Thrown by resources to answer with a {@link Problem}. */
public class ProblemException extends RuntimeException {
    private final Problem problem;

    public ProblemException(Problem problem) {
        super(problem.detail());
        this.problem = problem;
    }

    public ProblemException(Problem problem, Throwable cause) {
        super(problem.detail(), cause);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
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
        return new ProblemException(Problem.of(429, "queue-full", "Too many requests", detail, null));
    }

    public static ProblemException unavailable(String detail) {
        return new ProblemException(Problem.of(503, "unavailable", "Service unavailable", detail, null));
    }
}
