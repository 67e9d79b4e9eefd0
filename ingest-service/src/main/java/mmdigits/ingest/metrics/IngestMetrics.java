package mmdigits.ingest.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * What the ingest service published and refused, registered at start (a run can be watched from its
 * first second): rows and bytes committed per split kind, transactions sent once more after the
 * client aborted them, requests rejected per reason.
 */
@Startup
@ApplicationScoped
public class IngestMetrics {
    /** Where rows come from: a published train or test split, or samples streamed one by one. */
    public static final List<String> KINDS = List.of("train", "test", "stream");

    /** Why a request was refused. */
    public static final List<String> REASONS =
            List.of("invalid-file", "invalid-sample", "bad-request", "kafka");

    private final MeterRegistry meters;

    public IngestMetrics(MeterRegistry meters) {
        this.meters = meters;
        KINDS.forEach(
                k -> {
                    rows(k);
                    bytes(k);
                    retriedCounter(k);
                });
        REASONS.forEach(this::rejected);
    }

    private Counter rows(String kind) {
        return Counter.builder("mmdigits.ingest.rows")
                .description("Rows committed to Kafka")
                .tag("kind", kind)
                .register(meters);
    }

    private Counter bytes(String kind) {
        return Counter.builder("mmdigits.ingest.bytes")
                .description("Bytes of the records committed")
                .baseUnit("bytes")
                .tag("kind", kind)
                .register(meters);
    }

    private Counter retriedCounter(String kind) {
        return Counter.builder("mmdigits.ingest.transactions.retried")
                .description(
                        "Transactions the Kafka client gave up on (abortable) and that were sent once more")
                .tag("kind", kind)
                .register(meters);
    }

    /** A transaction of {@code kind} was aborted by the client and is sent once more. */
    public void retried(String kind) {
        retriedCounter(kind).increment();
    }

    private Counter rejected(String reason) {
        return Counter.builder("mmdigits.ingest.rejected")
                .description("Requests refused, nothing published")
                .tag("reason", reason)
                .register(meters);
    }

    /** A transaction committed {@code rows} rows of {@code bytes} bytes. */
    public void committed(String kind, long rowCount, long byteCount) {
        rows(kind).increment(rowCount);
        bytes(kind).increment(byteCount);
    }

    public void rejected(String reason, int count) {
        rejected(reason).increment(count);
    }
}
