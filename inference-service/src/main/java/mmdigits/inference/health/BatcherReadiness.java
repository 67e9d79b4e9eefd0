package mmdigits.inference.health;

import jakarta.enterprise.context.ApplicationScoped;
import mmdigits.inference.scoring.MicroBatcher;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the micro-batcher can answer: its workers alive, its oldest request younger than the
 * request timeout, and no {@link Error} (an OutOfMemoryError, say) within that time — out of
 * rotation until it recovers.
 */
@Readiness
@ApplicationScoped
public class BatcherReadiness implements HealthCheck {
    private final MicroBatcher batcher;

    public BatcherReadiness(MicroBatcher batcher) {
        this.batcher = batcher;
    }

    @Override
    public HealthCheckResponse call() {
        MicroBatcher.Health h = batcher.health();
        HealthCheckResponseBuilder b =
                HealthCheckResponse.named("micro-batcher")
                        .status(h.ready())
                        .withData("workersAlive", h.workersAlive())
                        .withData("queuedSamples", h.queuedSamples())
                        .withData("oldestWaitMs", h.oldestWaitMs());
        if (h.lastError() != null) {
            b.withData("lastError", h.lastError()).withData("lastErrorAgoMs", h.lastErrorAgoMs());
        }
        return b.build();
    }
}
