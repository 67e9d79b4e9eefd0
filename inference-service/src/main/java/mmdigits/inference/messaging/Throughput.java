package mmdigits.inference.messaging;

import io.quarkus.logging.Log;
import java.util.concurrent.atomic.AtomicLong;
import mmdigits.inference.model.ModelRegistry;

/** A progress line every few seconds while samples are being scored. */
final class Throughput {
    private final ModelRegistry registry;
    private final AtomicLong scored;
    private final AtomicLong scoredByJobs;
    private long last = System.nanoTime();
    private long lastCount;

    Throughput(ModelRegistry registry, AtomicLong scored, AtomicLong scoredByJobs) {
        this.registry = registry;
        this.scored = scored;
        this.scoredByJobs = scoredByJobs;
        this.lastCount = scored.get();
    }

    void maybeLog() {
        long now = System.nanoTime();
        if (now - last < 5_000_000_000L) {
            return;
        }
        long count = scored.get();
        if (count != lastCount) {
            Log.infof(
                    "scored %,d test samples (%,.0f/s; %,d by jobs), model '%s' serves %s",
                    count,
                    (count - lastCount) / ((now - last) / 1e9),
                    scoredByJobs.get(),
                    registry.alias(),
                    registry.served() == null ? "nothing" : registry.served().key());
        }
        last = now;
        lastCount = count;
    }
}
