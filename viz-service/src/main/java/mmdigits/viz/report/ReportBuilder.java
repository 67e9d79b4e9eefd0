package mmdigits.viz.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.quarkus.logging.Log;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.Sample;
import mmdigits.common.sample.Dimensions;
import mmdigits.viz.Aggregates;
import mmdigits.viz.config.VizConfig;
import mmdigits.viz.metrics.Metrics;
import mmdigits.viz.tsne.Tsne;
import mmdigits.viz.tsne.TsneConfig;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Builds one report folder from a snapshot of a (dataset, version) pair, step by step: the table of
 * embeddings, predictions.csv, K-means, t-SNE, the measures, the pictures, the misclassified grid,
 * then the typed {@link Report} as report.json and the page (a Qute template over it). Written to a
 * temporary folder and moved into place, so a folder is complete or absent.
 */
public final class ReportBuilder {
    /** What a build produced, for listings. */
    public record Summary(
            String version,
            String dataset,
            int samples,
            boolean labelled,
            Double accuracy,
            double seconds) {
        static Summary of(Report r) {
            return new Summary(
                    r.modelVersion(),
                    r.dataset(),
                    r.samples(),
                    r.labelled(),
                    r.metrics().accuracy(),
                    r.seconds().total());
        }
    }

    /**
     * The embeddings of the pair, by row id, as arrays; {@code truth} is -1 where a label is
     * unknown.
     */
    record Table(
            List<Embedding> embeddings,
            double[][] x,
            int[] predicted,
            int[] truth,
            boolean labelled) {
        int n() {
            return x.length;
        }

        /** What clusters are compared with: the true labels where known, else the predictions. */
        int[] reference() {
            return labelled ? truth : predicted;
        }
    }

    /** A stage's output and how long it took. */
    record Timed<T>(T value, double seconds) {}

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final VizConfig config;
    private final BiFunction<Set<String>, String, Map<String, Sample>> samples;

    /**
     * {@code samples}: test samples by id (for the misclassified grid), given the ids and their
     * dataset.
     */
    public ReportBuilder(
            VizConfig config, BiFunction<Set<String>, String, Map<String, Sample>> samples) {
        this.config = config;
        this.samples = samples;
    }

    /**
     * Builds the report into {@code target}; {@code stage} hears where the build stands (for
     * progress lines).
     */
    public Report build(Aggregates.Snapshot snap, Path target, Consumer<String> stage)
            throws IOException {
        long t0 = System.nanoTime();
        String version = snap.pair().version();
        String dataset = snap.pair().dataset();
        Table table = table(snap);
        Path tmp =
                Files.createDirectories(
                        target.resolveSibling(target.getFileName() + ".tmp-" + System.nanoTime()));
        try {
            writeCsv(table.embeddings(), tmp.resolve("predictions.csv"));
            stage.accept("K-means");
            Timed<int[]> clusters = cluster(table, version);
            Timed<Tsne.Result> map = embed(table, version, stage);
            stage.accept("measures");
            Timed<Report.Measures> measures = measure(table, clusters.value(), map.value());
            long[][] clusterByLabel = clusterByLabel(table, clusters.value());
            stage.accept("pictures");
            List<Plots.Miss> misses = misclassified(table, dataset);
            plots(
                    table,
                    clusters.value(),
                    map.value(),
                    clusterByLabel,
                    measures.value(),
                    snap,
                    misses,
                    tmp);
            Report report =
                    new Report(
                            version,
                            dataset,
                            table.n(),
                            table.x()[0].length,
                            table.labelled(),
                            measures.value(),
                            clusterByLabel,
                            misses.stream().map(Plots.Miss::rowId).toList(),
                            training(snap),
                            tsneSettings(table.n(), map.value()),
                            kmeansSettings(),
                            new Report.Seconds(
                                    map.seconds(),
                                    clusters.seconds(),
                                    measures.seconds(),
                                    (System.nanoTime() - t0) / 1e9),
                            System.currentTimeMillis());
            writeFiles(
                    report,
                    table,
                    map.value(),
                    clusters.value(),
                    !snap.training().isEmpty(),
                    !misses.isEmpty(),
                    tmp);
            moveIntoPlace(tmp, target);
            Log.infof(
                    "report %s: %,d samples of '%s', t-SNE %.1f s, K-means %.1f s, metrics %.1f s, written to %s",
                    version,
                    table.n(),
                    dataset,
                    map.seconds(),
                    clusters.seconds(),
                    measures.seconds(),
                    target);
            return report;
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    /** The pair's embeddings of its dataset, by row id, of one width. */
    static Table table(Aggregates.Snapshot snap) {
        List<Embedding> es =
                new ArrayList<>(
                        snap.embeddings().stream()
                                .filter(e -> e.getDataset().equals(snap.pair().dataset()))
                                .toList());
        es.sort(Comparator.comparingLong(Embedding::getRowId));
        int dim = es.isEmpty() ? 0 : es.get(0).getVectorCount();
        es.removeIf(e -> e.getVectorCount() != dim);
        if (es.size() < 4) {
            throw new IllegalStateException(
                    "version "
                            + snap.pair().version()
                            + " has "
                            + es.size()
                            + " embeddings of dataset '"
                            + snap.pair().dataset()
                            + "'; a report needs at least 4");
        }
        int n = es.size();
        double[][] x = new double[n][dim];
        int[] predicted = new int[n];
        int[] truth = new int[n];
        boolean labelled = true;
        for (int i = 0; i < n; i++) {
            Embedding e = es.get(i);
            for (int j = 0; j < dim; j++) {
                x[i][j] = e.getVector(j);
            }
            predicted[i] = e.getPredictedLabel();
            truth[i] = e.hasTrueLabel() ? e.getTrueLabel() : -1;
            labelled &= e.hasTrueLabel();
        }
        return new Table(es, x, predicted, truth, labelled);
    }

    private Timed<int[]> cluster(Table t, String version) {
        long start = System.nanoTime();
        VizConfig.Kmeans km = config.kmeans();
        int[] clusters =
                Clustering.kmeans(t.x(), km.k(), km.restarts(), km.maxIterations(), km.seed());
        double seconds = (System.nanoTime() - start) / 1e9;
        Log.infof(
                "report %s: K-means (k=%d, %d restarts) on %,d x %d in %.1f s",
                version, km.k(), km.restarts(), t.n(), t.x()[0].length, seconds);
        return new Timed<>(clusters, seconds);
    }

    private Timed<Tsne.Result> embed(Table t, String version, Consumer<String> stage) {
        long start = System.nanoTime();
        VizConfig.Tsne tc = config.tsne();
        TsneConfig tsneConfig =
                new TsneConfig(
                        tc.perplexity(),
                        tc.earlyExaggeration(),
                        tc.exaggerationIterations(),
                        tc.iterations(),
                        tc.learningRate(),
                        tc.theta(),
                        tc.seed(),
                        tc.exactBelow(),
                        tc.fftFrom(),
                        tc.approximateNeighboursFrom());
        Tsne.Result map =
                Tsne.run(
                        t.x(),
                        tsneConfig,
                        p -> {
                            Log.infof(
                                    "report %s: t-SNE iteration %d/%d, KL divergence %.4f",
                                    version, p.iteration(), p.iterations(), p.kl());
                            stage.accept("t-SNE iteration " + p.iteration() + "/" + p.iterations());
                        });
        return new Timed<>(map, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Silhouette and trustworthiness from all points up to viz.metrics.sample-size, past it from a
     * seeded sample of query points.
     */
    private Timed<Report.Measures> measure(Table t, int[] clusters, Tsne.Result map) {
        long start = System.nanoTime();
        int[] queries =
                Metrics.sample(t.n(), config.metrics().sampleSize(), config.metrics().seed());
        Double accuracy = null;
        long[][] confusion = null;
        List<Double> perClass = null;
        if (t.labelled()) {
            accuracy = Metrics.accuracy(t.truth(), t.predicted());
            confusion = Metrics.confusion(t.truth(), t.predicted(), Dimensions.CLASSES);
            perClass = perClass(confusion);
        }
        int[] reference = t.reference();
        Metrics.MapQuality quality =
                Metrics.mapQuality(
                        t.x(), clusters, map.embedding(), Math.min(10, (t.n() - 1) / 3), queries);
        Report.Measures m =
                new Report.Measures(
                        accuracy,
                        confusion,
                        perClass,
                        t.labelled() ? "true labels" : "predicted labels",
                        Metrics.adjustedRandIndex(reference, clusters),
                        Metrics.normalizedMutualInformation(reference, clusters),
                        Metrics.purity(clusters, reference),
                        quality.silhouette(),
                        quality.trustworthiness(),
                        map.kl(),
                        queries.length < t.n() ? queries.length : null);
        return new Timed<>(m, (System.nanoTime() - start) / 1e9);
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

    private long[][] clusterByLabel(Table t, int[] clusters) {
        long[][] counts = new long[config.kmeans().k()][Dimensions.CLASSES];
        int[] reference = t.reference();
        for (int i = 0; i < t.n(); i++) {
            counts[clusters[i]][reference[i]]++;
        }
        return counts;
    }

    /**
     * The first misclassified samples (up to viz.misclassified-shown) with their image and MFCC
     * read back.
     */
    private List<Plots.Miss> misclassified(Table t, String dataset) {
        List<Plots.Miss> misses = new ArrayList<>();
        if (!t.labelled()) {
            return misses;
        }
        Set<String> ids = new LinkedHashSet<>();
        for (int i = 0; i < t.n() && ids.size() < config.misclassifiedShown(); i++) {
            if (t.truth()[i] != t.predicted()[i]) {
                ids.add(t.embeddings().get(i).getSampleId());
            }
        }
        Map<String, Sample> found = samples.apply(ids, dataset);
        for (int i = 0; i < t.n(); i++) {
            Embedding e = t.embeddings().get(i);
            if (ids.contains(e.getSampleId())) {
                misses.add(
                        new Plots.Miss(
                                e.getRowId(),
                                t.truth()[i],
                                t.predicted()[i],
                                found.get(e.getSampleId())));
            }
        }
        return misses;
    }

    private static void plots(
            Table t,
            int[] clusters,
            Tsne.Result map,
            long[][] clusterByLabel,
            Report.Measures m,
            Aggregates.Snapshot snap,
            List<Plots.Miss> misses,
            Path dir)
            throws IOException {
        boolean svg = t.n() <= 20_000; // a vector file of more points is larger than it is useful
        String reference = t.labelled() ? "true" : "predicted";
        Plots.save(
                Plots.scatter(
                        "t-SNE, coloured by " + reference + " label",
                        map.embedding(),
                        t.reference(),
                        "digit "),
                dir,
                "tsne-labels",
                svg);
        Plots.save(
                Plots.scatter(
                        "t-SNE, coloured by K-means cluster",
                        map.embedding(),
                        clusters,
                        "cluster "),
                dir,
                "tsne-clusters",
                svg);
        Plots.save(
                Plots.heatMap(
                        "Clusters vs " + reference + " labels",
                        clusterByLabel,
                        "label",
                        "cluster",
                        "",
                        "c"),
                dir,
                "clusters",
                false);
        if (t.labelled()) {
            Plots.save(
                    Plots.heatMap("Confusion matrix", m.confusion(), "predicted", "true", "", ""),
                    dir,
                    "confusion",
                    false);
            Plots.save(
                    Plots.perClass(
                            m.perClassAccuracy().stream()
                                    .mapToDouble(v -> v == null ? Double.NaN : v)
                                    .toArray()),
                    dir,
                    "per-class",
                    false);
        }
        if (!snap.training().isEmpty()) {
            Plots.save(Plots.training(snap.training()), dir, "training", false);
        }
        if (!misses.isEmpty()) {
            Plots.grid(misses, dir.resolve("misclassified.png"));
        }
    }

    private static List<Report.TrainingPoint> training(Aggregates.Snapshot snap) {
        return snap.training().stream()
                .map(
                        p ->
                                new Report.TrainingPoint(
                                        p.getEpoch(),
                                        p.getLoss(),
                                        p.getTrainAccuracy(),
                                        p.getValidationAccuracy()))
                .toList();
    }

    private Report.TsneSettings tsneSettings(int n, Tsne.Result map) {
        VizConfig.Tsne tc = config.tsne();
        return new Report.TsneSettings(
                tc.perplexity(),
                tc.earlyExaggeration(),
                tc.exaggerationIterations(),
                tc.iterations(),
                tc.learningRate() > 0 ? tc.learningRate() : Math.max(200, n / 12.0),
                tc.theta(),
                tc.seed(),
                map.gradient().label()
                        + (map.approximateNeighbours() ? ", approximate neighbours" : ""));
    }

    private Report.KmeansSettings kmeansSettings() {
        VizConfig.Kmeans km = config.kmeans();
        return new Report.KmeansSettings(km.k(), km.restarts(), km.maxIterations(), km.seed());
    }

    /** report.json, the interactive view's data and script, and the page. */
    private static void writeFiles(
            Report report,
            Table t,
            Tsne.Result map,
            int[] clusters,
            boolean training,
            boolean misses,
            Path dir)
            throws IOException {
        JSON.writeValue(dir.resolve("report.json").toFile(), report);
        writePoints(
                t.embeddings(),
                map.embedding(),
                t.truth(),
                t.predicted(),
                clusters,
                dir.resolve("points.js"));
        try (InputStream in = ReportBuilder.class.getResourceAsStream("/report/tsne-view.js")) {
            Files.copy(in, dir.resolve("tsne-view.js"), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(
                dir.resolve("index.html"), ReportPage.of(report, training, misses).render());
    }

    private static void moveIntoPlace(Path tmp, Path target) throws IOException {
        if (Files.exists(target)) {
            deleteTree(target);
        }
        Files.createDirectories(target.getParent());
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The original format: header row_id,label; one row per test sample, by row id. */
    static void writeCsv(List<Embedding> es, Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
                CSVPrinter csv =
                        new CSVPrinter(
                                w,
                                CSVFormat.DEFAULT
                                        .builder()
                                        .setHeader("row_id", "label")
                                        .setRecordSeparator("\n")
                                        .get())) {
            for (Embedding e : es) {
                csv.printRecord(e.getRowId(), e.getPredictedLabel());
            }
        }
    }

    static void writePoints(
            List<Embedding> es,
            double[][] y,
            int[] truth,
            int[] predicted,
            int[] clusters,
            Path file)
            throws IOException {
        StringBuilder sb = new StringBuilder("window.TSNE_POINTS = [\n");
        for (int i = 0; i < es.size(); i++) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "[%.4f,%.4f,%d,%d,%d,%d]%s%n",
                            y[i][0],
                            y[i][1],
                            es.get(i).getRowId(),
                            truth[i],
                            predicted[i],
                            clusters[i],
                            i + 1 < es.size() ? "," : ""));
        }
        sb.append("];\n");
        Files.writeString(file, sb);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
