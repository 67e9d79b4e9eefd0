package mmdigits.viz.report;

import io.quarkus.logging.Log;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.Prediction;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.TrainingProgress;
import mmdigits.viz.Aggregates;
import mmdigits.viz.config.VizConfig;
import mmdigits.viz.drift.DriftMonitor;
import mmdigits.viz.drift.ReportDrift;
import mmdigits.viz.tsne.Tsne;

/**
 * Builds one report folder from a snapshot of a (dataset, version) pair, step by step ({@link
 * #build}): the table of embeddings, predictions.csv, K-means, t-SNE, the measures, the
 * misclassified samples, the comparison with any shadow that scored the same samples, the pictures,
 * then the typed {@link Report} as report.json and the page. Each step lives in its own class; this
 * one only runs them in order. Written to a temporary folder and moved into place, so a folder is
 * complete or absent.
 */
public final class ReportBuilder {
    /** What a build produced, for listings. */
    public record Summary(
            String version,
            String dataset,
            int samples,
            boolean labelled,
            Double accuracy,
            double seconds,
            Map<String, Double> shadowAgreement) {
        static Summary of(Report r) {
            Map<String, Double> agreement = new TreeMap<>();
            r.shadows().forEach(s -> agreement.put(s.version(), s.agreement()));
            return new Summary(
                    r.modelVersion(),
                    r.dataset(),
                    r.samples(),
                    r.labelled(),
                    r.metrics().accuracy(),
                    r.seconds().total(),
                    agreement);
        }
    }

    /**
     * The shadow predictions made beside a pair's version, of the samples {@code ids}, written
     * since {@code sinceMs}.
     */
    public interface ShadowSource {
        List<Prediction> read(Aggregates.Pair pair, Set<String> ids, long sinceMs);
    }

    private final KmeansStep kmeans;
    private final TsneStep tsne;
    private final MeasureStep measures;
    private final MisclassifiedSamples misclassified;
    private final ShadowSource shadows;
    private final DriftMonitor drift;
    private final VizConfig.Drift driftConfig;

    /**
     * {@code samples}: test samples by id (for the misclassified grid), given the ids and their
     * dataset; {@code shadows}: the shadow predictions beside the report's version.
     */
    public ReportBuilder(
            VizConfig config,
            BiFunction<Set<String>, String, Map<String, Sample>> samples,
            ShadowSource shadows,
            DriftMonitor drift) {
        this.shadows = shadows;
        this.kmeans = new KmeansStep(config.kmeans());
        this.tsne = new TsneStep(config.tsne());
        this.measures = new MeasureStep(config.metrics());
        this.misclassified = new MisclassifiedSamples(config.misclassifiedShown(), samples);
        this.drift = drift;
        this.driftConfig = config.drift();
    }

    /**
     * Builds the report into {@code target}; {@code stage} hears where the build stands (for
     * progress lines).
     */
    public Report build(Aggregates.Snapshot snap, Path target, Consumer<String> stage)
            throws IOException {
        long start = System.nanoTime();
        EmbeddingTable table = EmbeddingTable.of(snap);
        Path folder = ReportFolder.temporaryBeside(target);
        try {
            ReportFiles.writePredictions(table.embeddings(), folder.resolve("predictions.csv"));
            Analysis analysis = analyse(table, snap.training(), stage);
            ReportPictures.draw(analysis, folder);
            Report report = report(analysis, Timed.secondsSince(start));
            ReportFiles.write(report, analysis, folder);
            ReportFolder.moveIntoPlace(folder, target);
            logBuilt(report, target);
            return report;
        } catch (IOException | RuntimeException e) {
            ReportFolder.deleteTree(folder);
            throw e;
        }
    }

    /** K-means, t-SNE, the measures and the misclassified samples (the timed stages). */
    private Analysis analyse(
            EmbeddingTable table, List<TrainingProgress> training, Consumer<String> stage) {
        stage.accept("K-means");
        Timed<int[]> clusters = kmeans.cluster(table);
        Timed<Tsne.Result> map = tsne.embed(table, stage);
        stage.accept("measures");
        Timed<Report.Measures> measured = measures.measure(table, clusters.value(), map.value());
        stage.accept("shadow comparison");
        List<Report.Shadow> compared = ShadowComparison.of(table, shadowPredictions(table));
        stage.accept("pictures");
        return new Analysis(
                table,
                clusters.value(),
                kmeans.clusterByLabel(table, clusters.value()),
                map.value(),
                measured.value(),
                misclassified.of(table),
                training,
                map.seconds(),
                clusters.seconds(),
                measured.seconds(),
                compared);
    }

    /** The shadow predictions of the table's samples, read since its first one was scored. */
    private List<Prediction> shadowPredictions(EmbeddingTable t) {
        Set<String> ids = new HashSet<>();
        long since = Long.MAX_VALUE;
        for (Embedding e : t.embeddings()) {
            ids.add(e.getSampleId());
            since = Math.min(since, e.getScoredAtMs());
        }
        return shadows.read(t.pair(), ids, since);
    }

    /** The typed report of what the build computed (report.json and the page show it). */
    private Report report(Analysis a, double totalSeconds) {
        EmbeddingTable t = a.table();
        return new Report(
                t.pair().version(),
                t.pair().dataset(),
                t.n(),
                t.dim(),
                t.labelled(),
                a.measures(),
                a.clusterByLabel(),
                a.misses().stream().map(Plots.Miss::rowId).toList(),
                trainingCurve(a),
                tsne.settings(t.n(), a.map()),
                kmeans.settings(),
                a.seconds(totalSeconds),
                System.currentTimeMillis(),
                a.shadows(),
                ReportDrift.of(drift, driftConfig, t.pair().version(), t.embeddings()));
    }

    private static List<Report.TrainingPoint> trainingCurve(Analysis a) {
        return a.training().stream()
                .map(
                        p ->
                                new Report.TrainingPoint(
                                        p.getEpoch(),
                                        p.getLoss(),
                                        p.getTrainAccuracy(),
                                        p.getValidationAccuracy()))
                .toList();
    }

    private static void logBuilt(Report report, Path target) {
        Report.Seconds s = report.seconds();
        Log.infof(
                "report %s: %,d samples of '%s', t-SNE %.1f s, K-means %.1f s, metrics %.1f s, written to %s",
                report.modelVersion(),
                report.samples(),
                report.dataset(),
                s.tsne(),
                s.kmeans(),
                s.metrics(),
                target);
    }
}
