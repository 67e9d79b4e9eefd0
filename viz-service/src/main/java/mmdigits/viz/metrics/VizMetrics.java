package mmdigits.viz.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import mmdigits.viz.Aggregates;

/**
 * What the reports can be watched by, registered at start: seconds per build stage (t-SNE, K-means,
 * the measures, the whole build), reports by state, builds waiting for the builder (the queue),
 * pairs still collecting embeddings and the embeddings held for them.
 */
@Startup
@ApplicationScoped
public class VizMetrics {
    private static final List<String> STATES = List.of("BUILDING", "READY", "FAILED");

    private final Timer tsne;
    private final Timer kmeans;
    private final Timer measures;
    private final Timer total;
    private volatile Supplier<Map<String, Long>> reportsByState = Map::of;
    private volatile Supplier<Long> queued = () -> 0L;

    public VizMetrics(MeterRegistry meters, Aggregates aggregates) {
        this.tsne = stage(meters, "tsne");
        this.kmeans = stage(meters, "kmeans");
        this.measures = stage(meters, "metrics");
        this.total = stage(meters, "total");
        for (String state : STATES) {
            Gauge.builder(
                            "mmdigits.viz.reports",
                            this,
                            m -> m.reportsByState.get().getOrDefault(state, 0L))
                    .description("Reports, by state")
                    .tag("state", state)
                    .register(meters);
        }
        Gauge.builder("mmdigits.viz.report.queue", this, m -> m.queued.get())
                .description("Report builds waiting for the builder")
                .register(meters);
        Gauge.builder("mmdigits.viz.reports.collecting", aggregates, a -> a.pending().size())
                .description("(model version, dataset) pairs whose embeddings are still arriving")
                .register(meters);
        Gauge.builder("mmdigits.viz.embeddings.held", aggregates, Aggregates::storedEmbeddings)
                .description("Embeddings held in memory for reports still being collected")
                .register(meters);
    }

    private static Timer stage(MeterRegistry meters, String stage) {
        return Timer.builder("mmdigits.viz.report.seconds")
                .description("Duration of a report build stage")
                .tag("stage", stage)
                .register(meters);
    }

    /** Where the reports are counted from (the report service, at start). */
    public void watchReports(Supplier<Map<String, Long>> counts) {
        this.reportsByState = counts;
    }

    /** Where the builds waiting for the builder are counted from (the report service, at start). */
    public void watchQueue(Supplier<Long> count) {
        this.queued = count;
    }

    /** A finished build's seconds per stage. */
    public void built(
            double tsneSeconds, double kmeansSeconds, double metricsSeconds, double totalSeconds) {
        tsne.record(seconds(tsneSeconds));
        kmeans.record(seconds(kmeansSeconds));
        measures.record(seconds(metricsSeconds));
        total.record(seconds(totalSeconds));
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos((long) (s * 1e9));
    }
}
