package mmdigits.viz.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import mmdigits.common.sample.Dimensions;
import mmdigits.viz.config.VizConfig;
import mmdigits.viz.metrics.Metrics;
import mmdigits.viz.tsne.Tsne;

/**
 * The build's measures: accuracy and confusion where the true labels are known; the clusters
 * against the labels; silhouette and trustworthiness from all points up to viz.metrics.sample-size,
 * past it from a seeded sample of query points.
 */
final class MeasureStep {
    /** The neighbours trustworthiness looks at (fewer on a tiny split). */
    private static final int TRUSTWORTHINESS_K = 10;

    private final VizConfig.Metrics config;

    MeasureStep(VizConfig.Metrics config) {
        this.config = config;
    }

    Timed<Report.Measures> measure(EmbeddingTable t, int[] clusters, Tsne.Result map) {
        return Timed.of(() -> measures(t, clusters, map));
    }

    private Report.Measures measures(EmbeddingTable t, int[] clusters, Tsne.Result map) {
        int[] queries = Metrics.sample(t.n(), config.sampleSize(), config.seed());
        long[][] confusion =
                t.labelled()
                        ? Metrics.confusion(t.truth(), t.predicted(), Dimensions.CLASSES)
                        : null;
        int[] reference = t.reference();
        Metrics.MapQuality quality =
                Metrics.mapQuality(
                        t.x(),
                        clusters,
                        map.embedding(),
                        Math.min(TRUSTWORTHINESS_K, (t.n() - 1) / 3),
                        queries);
        return new Report.Measures(
                t.labelled() ? Metrics.accuracy(t.truth(), t.predicted()) : null,
                confusion,
                t.labelled() ? perClass(confusion) : null,
                t.labelled() ? "true labels" : "predicted labels",
                Metrics.adjustedRandIndex(reference, clusters),
                Metrics.normalizedMutualInformation(reference, clusters),
                Metrics.purity(clusters, reference),
                quality.silhouette(),
                quality.trustworthiness(),
                map.kl(),
                queries.length < t.n() ? queries.length : null);
    }

    /** The share of each digit predicted right; null for a digit the split does not have. */
    static List<Double> perClass(long[][] confusion) {
        List<Double> out = new ArrayList<>(Dimensions.CLASSES);
        for (int k = 0; k < Dimensions.CLASSES; k++) {
            long total = Arrays.stream(confusion[k]).sum();
            out.add(total == 0 ? null : (double) confusion[k][k] / total);
        }
        return out;
    }
}
