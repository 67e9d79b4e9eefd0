package mmdigits.viz.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.quarkus.logging.Log;

import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.Sample;
import mmdigits.common.sample.Dimensions;
import mmdigits.viz.Aggregates;
import mmdigits.viz.config.VizConfig;
import mmdigits.viz.metrics.Metrics;
import mmdigits.viz.tsne.Tsne;
import mmdigits.viz.tsne.TsneConfig;

/**
 * Builds one report folder from a snapshot of a model version: predictions.csv (row_id,label, by row
 * id), K-means, t-SNE, metrics, plots, report.json, points.js (the interactive view's data) and
 * index.html. Written to a temporary folder and moved into place, so a folder is complete or absent.
 */
public final class ReportBuilder {
    /** What a build produced, for listings. */
    public record Summary(String version, String dataset, int samples, boolean labelled, Double accuracy, double seconds) {
    }

    private final VizConfig config;
    private final BiFunction<Set<String>, String, Map<String, Sample>> samples;

    /** {@code samples}: test samples by id (for the misclassified grid), given the ids and their dataset. */
    public ReportBuilder(VizConfig config, BiFunction<Set<String>, String, Map<String, Sample>> samples) {
        this.config = config;
        this.samples = samples;
    }

    public Summary build(Aggregates.Snapshot snap, Path target) throws IOException {
        long t0 = System.nanoTime();
        String dataset = snap.pair().dataset();
        String version = snap.pair().version();
        List<Embedding> es = new ArrayList<>(snap.embeddings().stream().filter(e -> e.getDataset().equals(dataset)).toList());
        es.sort(Comparator.comparingLong(Embedding::getRowId));
        int dim = es.get(0).getVectorCount();
        es.removeIf(e -> e.getVectorCount() != dim);
        int n = es.size();
        if (n < 4) {
            throw new IllegalStateException("version " + version + " has " + n + " embeddings of dataset '" + dataset
                    + "'; a report needs at least 4");
        }
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
        Path tmp = Files.createDirectories(target.resolveSibling(target.getFileName() + ".tmp-" + System.nanoTime()));
        try {
            writeCsv(es, tmp.resolve("predictions.csv"));

            long tk = System.nanoTime();
            VizConfig.Kmeans km = config.kmeans();
            int[] clusters = Clustering.kmeans(x, km.k(), km.restarts(), km.maxIterations(), km.seed());
            double kmeansSeconds = (System.nanoTime() - tk) / 1e9;
            Log.infof("report %s: K-means (k=%d, %d restarts) on %,d x %d in %.1f s", version, km.k(), km.restarts(), n, dim,
                    kmeansSeconds);

            long tt = System.nanoTime();
            VizConfig.Tsne tc = config.tsne();
            TsneConfig tsneConfig = new TsneConfig(tc.perplexity(), tc.earlyExaggeration(), tc.exaggerationIterations(), tc.iterations(),
                    tc.learningRate(), tc.theta(), tc.seed(), tc.exactBelow());
            Tsne.Result tsne = Tsne.run(x, tsneConfig, p -> Log.infof("report %s: t-SNE iteration %d/%d, KL divergence %.4f",
                    version, p.iteration(), p.iterations(), p.kl()));
            double tsneSeconds = (System.nanoTime() - tt) / 1e9;
            double[][] y = tsne.embedding();

            int[] reference = labelled ? truth : predicted; // clusters are compared with true labels where known
            Map<String, Object> m = new LinkedHashMap<>();
            Double accuracy = null;
            long[][] confusion = null;
            double[] perClass = new double[Dimensions.CLASSES];
            if (labelled) {
                accuracy = Metrics.accuracy(truth, predicted);
                confusion = Metrics.confusion(truth, predicted, Dimensions.CLASSES);
                for (int k = 0; k < Dimensions.CLASSES; k++) {
                    long total = java.util.Arrays.stream(confusion[k]).sum();
                    perClass[k] = total == 0 ? Double.NaN : (double) confusion[k][k] / total;
                }
                m.put("accuracy", accuracy);
                m.put("confusion", confusion);
                m.put("per_class_accuracy", nanToNull(perClass));
            }
            long ts = System.nanoTime();
            m.put("clusters_vs", labelled ? "true labels" : "predicted labels");
            m.put("adjusted_rand_index", Metrics.adjustedRandIndex(reference, clusters));
            m.put("normalized_mutual_information", Metrics.normalizedMutualInformation(reference, clusters));
            m.put("purity", Metrics.purity(clusters, reference));
            m.put("silhouette", Metrics.silhouette(x, clusters));
            m.put("tsne_trustworthiness_k10", Metrics.trustworthiness(x, y, Math.min(10, (n - 1) / 3)));
            m.put("tsne_kl_divergence", tsne.kl());
            double metricSeconds = (System.nanoTime() - ts) / 1e9;
            long[][] clusterByLabel = new long[km.k()][Dimensions.CLASSES];
            for (int i = 0; i < n; i++) {
                clusterByLabel[clusters[i]][reference[i]]++;
            }

            // pictures
            boolean svg = n <= 20_000; // a vector file of more points is larger than it is useful
            Plots.save(Plots.scatter("t-SNE, coloured by " + (labelled ? "true label" : "predicted label"), y, reference, "digit "), tmp,
                    "tsne-labels", svg);
            Plots.save(Plots.scatter("t-SNE, coloured by K-means cluster", y, clusters, "cluster "), tmp, "tsne-clusters", svg);
            Plots.save(Plots.heatMap("Clusters vs " + (labelled ? "true" : "predicted") + " labels", clusterByLabel, "label", "cluster",
                    "", "c"), tmp, "clusters", false);
            if (labelled) {
                Plots.save(Plots.heatMap("Confusion matrix", confusion, "predicted", "true", "", ""), tmp, "confusion", false);
                Plots.save(Plots.perClass(perClass), tmp, "per-class", false);
            }
            if (!snap.training().isEmpty()) {
                Plots.save(Plots.training(snap.training()), tmp, "training", false);
            }
            List<Plots.Miss> misses = new ArrayList<>();
            if (labelled) {
                Set<String> ids = new LinkedHashSet<>();
                for (int i = 0; i < n && ids.size() < config.misclassifiedShown(); i++) {
                    if (truth[i] != predicted[i]) {
                        ids.add(es.get(i).getSampleId());
                    }
                }
                Map<String, Sample> found = samples.apply(ids, dataset);
                for (int i = 0; i < n; i++) {
                    if (ids.contains(es.get(i).getSampleId())) {
                        misses.add(new Plots.Miss(es.get(i).getRowId(), truth[i], predicted[i], found.get(es.get(i).getSampleId())));
                    }
                }
                if (!misses.isEmpty()) {
                    Plots.grid(misses, tmp.resolve("misclassified.png"));
                }
            }

            double total = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("model_version", version);
            report.put("dataset", dataset);
            report.put("samples", n);
            report.put("embedding_dim", dim);
            report.put("labelled", labelled);
            report.put("metrics", m);
            report.put("cluster_by_label", clusterByLabel);
            report.put("misclassified_shown", misses.stream().map(Plots.Miss::rowId).toList());
            report.put("training", snap.training().stream().map(p -> Map.of("epoch", p.getEpoch(), "loss", p.getLoss(), "train_accuracy",
                    p.getTrainAccuracy(), "validation_accuracy", p.getValidationAccuracy())).toList());
            report.put("tsne", Map.of("perplexity", tc.perplexity(), "early_exaggeration", tc.earlyExaggeration(), "exaggeration_iterations",
                    tc.exaggerationIterations(), "iterations", tc.iterations(), "learning_rate", tc.learningRate() > 0 ? tc.learningRate()
                            : Math.max(200, n / 12.0), "theta", tc.theta(), "seed", tc.seed(), "method", tsne.exact() ? "exact" : "barnes-hut"));
            report.put("kmeans", Map.of("k", km.k(), "restarts", km.restarts(), "max_iterations", km.maxIterations(), "seed", km.seed()));
            report.put("seconds", Map.of("tsne", tsneSeconds, "kmeans", kmeansSeconds, "metrics", metricSeconds, "total", total));
            report.put("built_at_ms", System.currentTimeMillis());
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            json.writeValue(tmp.resolve("report.json").toFile(), report);
            writePoints(es, y, truth, predicted, clusters, tmp.resolve("points.js"));
            try (InputStream in = ReportBuilder.class.getResourceAsStream("/report/tsne-view.js")) {
                Files.copy(in, tmp.resolve("tsne-view.js"), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.writeString(tmp.resolve("index.html"), Html.page(report, labelled, !snap.training().isEmpty(), !misses.isEmpty()));

            if (Files.exists(target)) {
                deleteTree(target);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            Log.infof("report %s: %,d samples of '%s', t-SNE %.1f s, K-means %.1f s, metrics %.1f s, written to %s", version, n,
                    dataset, tsneSeconds, kmeansSeconds, metricSeconds, target);
            return new Summary(version, dataset, n, labelled, accuracy, total);
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    static List<Double> nanToNull(double[] v) {
        List<Double> out = new ArrayList<>();
        for (double d : v) {
            out.add(Double.isFinite(d) ? d : null);
        }
        return out;
    }

    /** The original format: header row_id,label; one row per test sample, by row id. */
    static void writeCsv(List<Embedding> es, Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
                CSVPrinter csv = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setHeader("row_id", "label").setRecordSeparator("\n").get())) {
            for (Embedding e : es) {
                csv.printRecord(e.getRowId(), e.getPredictedLabel());
            }
        }
    }

    static void writePoints(List<Embedding> es, double[][] y, int[] truth, int[] predicted, int[] clusters, Path file) throws IOException {
        StringBuilder sb = new StringBuilder("window.TSNE_POINTS = [\n");
        for (int i = 0; i < es.size(); i++) {
            sb.append(String.format(Locale.ROOT, "[%.4f,%.4f,%d,%d,%d,%d]%s%n", y[i][0], y[i][1], es.get(i).getRowId(), truth[i],
                    predicted[i], clusters[i], i + 1 < es.size() ? "," : ""));
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
