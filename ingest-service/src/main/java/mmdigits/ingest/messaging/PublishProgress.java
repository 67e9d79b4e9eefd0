package mmdigits.ingest.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** The publish in progress (one at a time per process), for clients that show progress. */
@ApplicationScoped
public class PublishProgress {
    private final AtomicReference<ProgressLog> current = new AtomicReference<>();

    public void started(ProgressLog log) {
        current.set(log);
    }

    public void ended(ProgressLog log) {
        current.compareAndSet(log, null);
    }

    public Optional<ProgressLog.Snapshot> current() {
        return Optional.ofNullable(current.get()).map(ProgressLog::snapshot);
    }
}
