package mmdigits.viz.health;

import jakarta.enterprise.context.ApplicationScoped;
import mmdigits.viz.Aggregates;
import mmdigits.viz.messaging.VizLogs;
import mmdigits.viz.report.ReportService;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the embeddings and events were read to their end: before that, listings are
 * incomplete.
 */
@Readiness
@ApplicationScoped
public class ReportReadiness implements HealthCheck {
    private final VizLogs logs;
    private final Aggregates aggregates;
    private final ReportService reports;

    public ReportReadiness(VizLogs logs, Aggregates aggregates, ReportService reports) {
        this.logs = logs;
        this.aggregates = aggregates;
        this.reports = reports;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("embeddings-read")
                .status(logs.caughtUp())
                .withData("reports", reports.list(null, null).size())
                .withData("pending", aggregates.pending().size())
                .withData("embeddingsHeld", aggregates.storedEmbeddings())
                .build();
    }
}
