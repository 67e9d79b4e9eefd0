package mmdigits.inference.model;

import java.time.Duration;

/**
 * The micro-batcher cannot take or finish a request now (its queue is full, or the request timed
 * out): try again later.
 */
public class BusyException extends RuntimeException {
    private final Duration retryAfter;

    public BusyException(String message, Duration retryAfter) {
        super(message);
        this.retryAfter = retryAfter;
    }

    /**
     * When the client may try again: the {@code Retry-After} header, in whole seconds (at least 1).
     */
    public long retryAfterSeconds() {
        return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }
}
