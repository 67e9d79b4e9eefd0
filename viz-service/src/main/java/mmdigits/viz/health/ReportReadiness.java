package mmdigits.viz.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import mmdigits.viz.Aggregates;
import mmdigits.viz.messaging.StreamCollector;

/** Ready once the embeddings and events were read to their end: before that, listings are incomplete. */
@Readiness
@ApplicationScoped
public class ReportReadiness implements HealthCheck {
    private final StreamCollector collector;
    private final Aggregates aggregates;

    public ReportReadiness(StreamCollector collector, Aggregates aggregates) {
        this.collector = collector;
        this.aggregates = aggregates;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("embeddings-read").status(collector.caughtUp()).withData("versions", aggregates.versions().size())
                .build();
    }
}
