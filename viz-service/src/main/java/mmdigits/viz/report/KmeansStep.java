package mmdigits.viz.report;

import io.quarkus.logging.Log;
import mmdigits.common.sample.Dimensions;
import mmdigits.viz.config.VizConfig;

/** The build's K-means: the clusters of the embeddings, their labels, and the settings used. */
final class KmeansStep {
    private final VizConfig.Kmeans config;

    KmeansStep(VizConfig.Kmeans config) {
        this.config = config;
    }

    /** One cluster id per row of the table. */
    Timed<int[]> cluster(EmbeddingTable t) {
        Timed<int[]> clusters =
                Timed.of(
                        () ->
                                Clustering.kmeans(
                                        t.x(),
                                        config.k(),
                                        config.restarts(),
                                        config.maxIterations(),
                                        config.seed()));
        Log.infof(
                "report %s: K-means (k=%d, %d restarts) on %,d x %d in %.1f s",
                t.pair().version(),
                config.k(),
                config.restarts(),
                t.n(),
                t.dim(),
                clusters.seconds());
        return clusters;
    }

    /** counts[cluster][label], the labels those clusters are compared with. */
    long[][] clusterByLabel(EmbeddingTable t, int[] clusters) {
        long[][] counts = new long[config.k()][Dimensions.CLASSES];
        int[] reference = t.reference();
        for (int i = 0; i < t.n(); i++) {
            counts[clusters[i]][reference[i]]++;
        }
        return counts;
    }

    Report.KmeansSettings settings() {
        return new Report.KmeansSettings(
                config.k(), config.restarts(), config.maxIterations(), config.seed());
    }
}
