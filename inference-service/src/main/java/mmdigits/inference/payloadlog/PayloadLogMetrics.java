package mmdigits.inference.payloadlog;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The payload log's meters: events sent and dropped (by reason), the queue's depth, and the time
 * from an answer to the broker's acknowledgement of its event.
 */
final class PayloadLogMetrics {
    static final String EVENTS = "mmdigits.inference.payload.log.events";
    static final String QUEUED = "mmdigits.inference.payload.log.queued";
    static final String SEND = "mmdigits.inference.payload.log.send";

    /** Why an event was dropped. */
    static final String QUEUE_FULL = "queue_full";

    static final String BROKER_UNAVAILABLE = "broker_unavailable";
    static final String TOO_LARGE = "too_large";
    static final String SEND_FAILED = "send_failed";
    static final String SHUTDOWN = "shutdown";

    private final MeterRegistry meters;
    private final Counter sent;
    private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
    private final Timer latency;

    PayloadLogMetrics(MeterRegistry meters, Supplier<Number> queued) {
        this.meters = meters;
        this.sent = events("sent", "none");
        for (String reason :
                new String[] {QUEUE_FULL, BROKER_UNAVAILABLE, TOO_LARGE, SEND_FAILED, SHUTDOWN}) {
            dropped.put(reason, events("dropped", reason));
        }
        Gauge.builder(QUEUED, queued)
                .description("Payload log events waiting for the sender")
                .register(meters);
        this.latency =
                Timer.builder(SEND)
                        .description(
                                "Time from an answer to the broker's acknowledgement of its payload log event")
                        .serviceLevelObjectives(
                                Duration.ofMillis(1),
                                Duration.ofMillis(5),
                                Duration.ofMillis(25),
                                Duration.ofMillis(100),
                                Duration.ofMillis(500),
                                Duration.ofSeconds(2),
                                Duration.ofSeconds(10))
                        .register(meters);
    }

    private Counter events(String outcome, String reason) {
        return Counter.builder(EVENTS)
                .description("Payload log events by outcome (sent, dropped) and drop reason")
                .tag("outcome", outcome)
                .tag("reason", reason)
                .register(meters);
    }

    void sent(long sinceNanos) {
        sent.increment();
        latency.record(System.nanoTime() - sinceNanos, TimeUnit.NANOSECONDS);
    }

    void dropped(String reason, int n) {
        dropped.get(reason).increment(n);
    }
}
