package mmdigits.viz.report;

import java.util.List;
import mmdigits.common.proto.TrainingProgress;
import mmdigits.viz.tsne.Tsne;

/**
 * What a build computed from its table, for the pictures and files: the K-means clusters and their
 * labels, the t-SNE map, the measures, the misclassified samples shown, the training curve, the
 * seconds of the timed stages, and the comparisons with the shadows that scored the same samples.
 */
record Analysis(
        EmbeddingTable table,
        int[] clusters,
        long[][] clusterByLabel,
        Tsne.Result map,
        Report.Measures measures,
        List<Plots.Miss> misses,
        List<TrainingProgress> training,
        double tsneSeconds,
        double kmeansSeconds,
        double metricsSeconds,
        List<Report.Shadow> shadows) {

    /** The stages' seconds, with the whole build's. */
    Report.Seconds seconds(double totalSeconds) {
        return new Report.Seconds(tsneSeconds, kmeansSeconds, metricsSeconds, totalSeconds);
    }
}
