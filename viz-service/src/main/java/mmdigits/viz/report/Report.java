package mmdigits.viz.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;
import mmdigits.viz.drift.ReportDrift;

/**
 * One report of a model version on a dataset's test split, as report.json holds it (snake_case) and
 * the page shows it.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Report(
        String modelVersion,
        String dataset,
        int samples,
        int embeddingDim,
        boolean labelled,
        Measures metrics,
        long[][] clusterByLabel,
        List<Long> misclassifiedShown,
        List<TrainingPoint> training,
        TsneSettings tsne,
        KmeansSettings kmeans,
        Seconds seconds,
        long builtAtMs,
        List<Shadow> shadows,
        ReportDrift drift) {

    /**
     * A shadow version against the served one on the same samples (those of this report the shadow
     * scored): how often they agree, the accuracy of each where labels exist, and the disagreements
     * counted by (served label, shadow label).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Shadow(
            String version,
            String servedVersion,
            int samples,
            int agreed,
            double agreement,
            int labelled,
            Double servedAccuracy,
            Double shadowAccuracy,
            long[][] disagreements) {}

    /**
     * Accuracy, confusion and per-digit accuracy when the true labels are known; cluster and map
     * quality always.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Measures(
            Double accuracy,
            long[][] confusion,
            List<Double> perClassAccuracy,
            String clustersVs,
            double adjustedRandIndex,
            double normalizedMutualInformation,
            double purity,
            double silhouette,
            double tsneTrustworthinessK10,
            double tsneKlDivergence,
            Integer metricsSample) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TrainingPoint(
            int epoch, double loss, double trainAccuracy, double validationAccuracy) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TsneSettings(
            double perplexity,
            double earlyExaggeration,
            int exaggerationIterations,
            int iterations,
            double learningRate,
            double theta,
            long seed,
            String method) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record KmeansSettings(int k, int restarts, int maxIterations, long seed) {}

    /** Seconds per stage of the build. */
    public record Seconds(double tsne, double kmeans, double metrics, double total) {}
}
