package mmdigits.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import mmdigits.trainer.training.FusionSpec;

/**
 * docs/performance.md from the results the benches of one {@code ./digits bench} wrote under
 * out/bench: the machine, the command, every figure and ratio next to its goal, and the published
 * anchors beside them.
 *
 * <pre>
 * java -cp ... mmdigits.bench.PerformanceReport "COMMAND" [out/bench] [docs/performance.md] [T-SNE N] [LARGE T-SNE N] [COMMIT]
 * </pre>
 *
 * Every label comes from the code or from the results (sizes, the measured model's embedding
 * width); the model line from {@link FusionSpec#standard()}. {@code PerformanceReportTest} fails
 * when the committed report's rows or model line differ from what this generator writes.
 */
public final class PerformanceReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PerformanceReport() {}

    public static void main(String[] args) throws IOException {
        String command = args.length > 0 ? args[0] : "./digits bench";
        Path bench = Path.of(args.length > 1 ? args[1] : "out/bench");
        Path out = Path.of(args.length > 2 ? args[2] : "docs/performance.md");
        Files.createDirectories(out.toAbsolutePath().getParent());
        int small = args.length > 3 ? Integer.parseInt(args[3]) : 10_000;
        int large = args.length > 4 ? Integer.parseInt(args[4]) : 70_000;
        String commit = args.length > 5 ? args[5] : "unknown";
        Files.writeString(out, markdown(command, commit, bench, small, large));
        System.out.println("wrote " + out);
    }

    static JsonNode read(Path file) throws IOException {
        return Files.exists(file) ? JSON.readTree(file.toFile()) : MissingNode.getInstance();
    }

    /**
     * One row: what, the figure as measured, the goal, whether it is met ("–" when there is no goal
     * or no figure).
     */
    record Row(String what, String figure, String goal, String met) {}

    /** The default model as the report describes it: what the code trains today. */
    static String model() {
        FusionSpec spec = FusionSpec.standard();
        return String.format(
                Locale.ROOT,
                "Model: `FusionSpec.standard()`, embedding %d wide (image %d + audio %d), %d layers.",
                spec.embeddingDim(),
                spec.imageFeatures(),
                spec.audioFeatures(),
                spec.image().size() + spec.audio().size() + spec.classifier().size());
    }

    static String markdown(String command, String commit, Path bench, int small, int large)
            throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Performance\n\n");
        md.append("Written by `")
                .append(command)
                .append("` at commit ")
                .append(commit)
                .append(" on ")
                .append(LocalDate.now())
                .append(" (every figure from that one run; ")
                .append(
                        "ratios are measured side by side, so they hold on a noisy machine better than the absolute numbers).\n\n");
        md.append(model()).append("\n\n");
        md.append("Machine: ").append(machine()).append("\n\n");
        md.append(tables(bench, small, large));
        return md.toString();
    }

    /** The bench results a report is made of. */
    record Results(
            JsonNode inf,
            JsonNode ingest,
            JsonNode training,
            JsonNode t10,
            JsonNode sk10,
            JsonNode t70) {
        static Results read(Path bench, int small, int large) throws IOException {
            return new Results(
                    PerformanceReport.read(bench.resolve("inference/results.json")),
                    PerformanceReport.read(bench.resolve("ingest/results.json")),
                    PerformanceReport.read(bench.resolve("training/results.json")),
                    PerformanceReport.read(bench.resolve("tsne-" + small + "/java.json")),
                    PerformanceReport.read(bench.resolve("tsne-" + small + "/sklearn.json")),
                    PerformanceReport.read(bench.resolve("tsne-" + large + "/java.json")));
        }
    }

    static String tables(Path bench, int small, int large) throws IOException {
        Results r = Results.read(bench, small, large);
        String s = String.format(Locale.ROOT, "%,d", small);
        String l = String.format(Locale.ROOT, "%,d", large);
        List<Row> rows = new ArrayList<>();
        rows.addAll(servingRows(r.inf()));
        rows.addAll(tsneRows(r.t10(), r.sk10(), s));
        rows.addAll(largeTsneRows(r.t70(), l));
        rows.addAll(reportMetricsRows(r.t10(), r.t70(), s, l));
        rows.addAll(ingestAndTrainingRows(r.ingest(), r.training()));
        return goalTable(rows) + absoluteFigures(r, small, large) + anchors();
    }

    /**
     * Serving ratios: each protocol against raw ONNX Runtime or the echo endpoint, and the stream.
     */
    private static List<Row> servingRows(JsonNode inf) {
        List<Row> rows = new ArrayList<>();
        rows.add(
                served(
                        "HTTP JSON batches of 64 (`/api/predictions`) ÷ raw ONNX Runtime batch 64",
                        inf,
                        "http_batch64_vs_raw_batch64",
                        0.4));
        rows.add(
                served(
                        "KServe v2 JSON batches of 64 ÷ raw batch 64",
                        inf,
                        "kserve_json_vs_raw_batch64",
                        0.4));
        rows.add(
                served(
                        "KServe v2 binary tensor data, batches of 64 ÷ raw batch 64",
                        inf,
                        "kserve_binary_vs_raw_batch64",
                        0.9));
        rows.add(
                served(
                        "gRPC ModelInfer (raw contents), batches of 64 ÷ raw batch 64",
                        inf,
                        "grpc_vs_raw_batch64",
                        0.8));
        rows.add(served("HTTP single sample, concurrency 1 ÷ echo", inf, "http_c1_vs_echo", 0.9));
        rows.add(served("HTTP single sample, concurrency 32 ÷ echo", inf, "http_c32_vs_echo", 0.9));
        JsonNode p99 = inf.path("ratios").path("http_c1_p99_vs_echo");
        rows.add(
                atMost(
                        "HTTP p99 at concurrency 1 ÷ echo's p99",
                        p99.path("median").asDouble(Double.NaN),
                        1.1,
                        String.format(
                                        Locale.ROOT,
                                        " (%.2f / %.2f ms)",
                                        inf.path("http_predict_c1_p99_ms").asDouble(Double.NaN),
                                        inf.path("http_echo_c1_p99_ms").asDouble(Double.NaN))
                                + spread(p99)));
        rows.add(
                served(
                        "stream scoring ÷ a pass-through in the same transactions (consume, decode,"
                                + " produce both outputs, offsets in the transaction)",
                        inf,
                        "stream_vs_passthrough",
                        0.8));
        return rows;
    }

    /** t-SNE at the small size against scikit-learn: time and trustworthiness. */
    private static List<Row> tsneRows(JsonNode t10, JsonNode sk10, String s) {
        List<Row> rows = new ArrayList<>();
        rows.add(
                atMost(
                        "t-SNE " + s + " × " + width(t10) + ": seconds ÷ scikit-learn's",
                        sk10.path("ratio_seconds").asDouble(Double.NaN),
                        0.4,
                        String.format(
                                Locale.ROOT,
                                " (%.1f / %.1f s, %s)",
                                t10.path("tsne_seconds").asDouble(Double.NaN),
                                sk10.path("sklearn_seconds").asDouble(Double.NaN),
                                t10.path("gradient").asText("?"))));
        double dt =
                sk10.path("java_trustworthiness").asDouble(Double.NaN)
                        - sk10.path("sklearn_trustworthiness").asDouble(Double.NaN);
        rows.add(
                new Row(
                        "t-SNE "
                                + s
                                + ": trustworthiness (k = 10, by scikit-learn) ours − scikit-learn's",
                        String.format(
                                Locale.ROOT,
                                "%+.4f (%.4f vs %.4f)",
                                dt,
                                sk10.path("java_trustworthiness").asDouble(Double.NaN),
                                sk10.path("sklearn_trustworthiness").asDouble(Double.NaN)),
                        "within ±0.005 (or better)",
                        Double.isNaN(dt) ? "–" : dt >= -0.005 ? "yes" : "no"));
        return rows;
    }

    /** t-SNE at MNIST's size: time and sampled trustworthiness. */
    private static List<Row> largeTsneRows(JsonNode t70, String l) {
        List<Row> rows = new ArrayList<>();
        rows.add(
                atMost(
                        "t-SNE " + l + " (70,000 is MNIST's size), seconds",
                        t70.path("tsne_seconds").asDouble(Double.NaN),
                        60,
                        String.format(
                                Locale.ROOT,
                                " (input affinities %.1f s; %s%s)",
                                t70.path("affinity_seconds").asDouble(Double.NaN),
                                t70.path("gradient").asText("?"),
                                t70.path("approximate_neighbours").asBoolean()
                                        ? ", approximate neighbours"
                                        : "")));
        rows.add(
                atLeast(
                        "t-SNE "
                                + l
                                + ": trustworthiness (k = 10) on a sample of "
                                + String.format(
                                        Locale.ROOT, "%,d", t70.path("metrics_sample").asInt())
                                + " points",
                        t70.path("sampled_trustworthiness").asDouble(Double.NaN),
                        0.99,
                        String.format(
                                Locale.ROOT,
                                " (%.4f)",
                                t70.path("sampled_trustworthiness").asDouble(Double.NaN))));
        return rows;
    }

    /** The report's metrics (silhouette, trustworthiness) at both sizes. */
    private static List<Row> reportMetricsRows(JsonNode t10, JsonNode t70, String s, String l) {
        List<Row> rows = new ArrayList<>();
        rows.add(
                atMost(
                        "report metrics (silhouette + trustworthiness) at "
                                + s
                                + " points, seconds",
                        t10.path("metrics_seconds").asDouble(Double.NaN),
                        5,
                        String.format(
                                Locale.ROOT,
                                " (%,d query points; exact trustworthiness alone %.1f s)",
                                t10.path("metrics_sample").asInt(),
                                t10.path("exact_trustworthiness_seconds").asDouble(Double.NaN))));
        rows.add(
                atMost(
                        "report metrics at " + l + " points, seconds",
                        t70.path("metrics_seconds").asDouble(Double.NaN),
                        30,
                        String.format(
                                Locale.ROOT,
                                " (%,d query points)",
                                t70.path("metrics_sample").asInt())));
        return rows;
    }

    /** Ingest against the perf-test tool, training against PyTorch and per epoch. */
    private static List<Row> ingestAndTrainingRows(JsonNode ingest, JsonNode training) {
        List<Row> rows = new ArrayList<>();
        rows.add(
                new Row(
                        "ingest of "
                                + String.format(Locale.ROOT, "%,d", ingest.path("rows").asInt())
                                + " rows ÷ kafka-producer-perf-test (warm, lz4)",
                        fmt(ratio(ingest, "lz4_ingest_warm_per_s", "lz4_perf_test_per_s")),
                        "–",
                        "–"));
        rows.add(
                atLeast(
                        "training: DJL samples/s ÷ PyTorch's, same architecture, rows, threads and"
                                + " batch (no augmentation)",
                        training.path("ratio_pytorch").asDouble(Double.NaN),
                        1.0,
                        String.format(
                                Locale.ROOT,
                                " (median of alternating pairs, %.2f–%.2f)",
                                training.path("ratio_pytorch_min").asDouble(Double.NaN),
                                training.path("ratio_pytorch_max").asDouble(Double.NaN))));
        rows.add(
                new Row(
                        "training with the service's settings: samples/s ("
                                + String.format(Locale.ROOT, "%,d", training.path("rows").asInt())
                                + " rows, last of "
                                + training.path("epochs").asInt()
                                + " epochs) → seconds per epoch of 60,000; augmentation's share",
                        String.format(
                                Locale.ROOT,
                                "%.0f → %.0f s; %.0f %%",
                                training.path("samples_per_s").asDouble(Double.NaN),
                                training.path("epoch_60k_seconds").asDouble(Double.NaN),
                                100 * training.path("augmentation_cost").asDouble(Double.NaN)),
                        "–",
                        "–"));
        return rows;
    }

    /** The figures with their goals, one row each. */
    private static String goalTable(List<Row> rows) {
        StringBuilder md = new StringBuilder();
        md.append("| figure | measured | goal | met |\n|---|---|---|---|\n");
        for (Row r : rows) {
            md.append("| ")
                    .append(r.what())
                    .append(" | ")
                    .append(r.figure())
                    .append(" | ")
                    .append(r.goal())
                    .append(" | ")
                    .append(r.met())
                    .append(" |\n");
        }
        return md.toString();
    }

    /** Every bench's results as they are in its file. */
    private static String absoluteFigures(Results r, int small, int large) {
        String s = String.format(Locale.ROOT, "%,d", small);
        String l = String.format(Locale.ROOT, "%,d", large);
        StringBuilder md = new StringBuilder();
        md.append("\n## Absolute figures\n\n");
        md.append("| bench | results |\n|---|---|\n");
        md.append("| inference (`bench/inference.sh`) | ").append(flat(r.inf())).append(" |\n");
        md.append("| ingest (`bench/ingest.sh`) | ").append(flat(r.ingest())).append(" |\n");
        md.append("| training (`bench/training.sh`) | ").append(flat(r.training())).append(" |\n");
        md.append("| t-SNE " + s + " (`bench/tsne.sh --n " + small + "`) | ")
                .append(flat(r.t10()))
                .append("; scikit-learn: ")
                .append(flat(r.sk10()))
                .append(" |\n");
        md.append("| t-SNE " + l + " (`bench/tsne.sh --n " + large + "`) | ")
                .append(flat(r.t70()))
                .append(" |\n");
        return md.toString();
    }

    /** What the figures can be held against elsewhere. */
    private static String anchors() {
        StringBuilder md = new StringBuilder();
        md.append("\n## Anchors\n\n");
        md.append(
                        "- Triton Inference Server and KServe serve the Open Inference Protocol over HTTP and gRPC, with the binary tensor data ")
                .append(
                        "extension for large inputs — the reason for the binary and gRPC rows above.\n");
        md.append(
                        "- FIt-SNE (FFT-accelerated interpolation, Linderman et al., Nature Methods 2019) embeds the 70,000 MNIST points in ")
                .append(
                        "2 min 43 s on 4 threads; openTSNE in about 6 min; Barnes-Hut implementations in about 14 min.\n");
        md.append(
                "- scikit-learn's `TSNE` (Barnes-Hut, `n_jobs=2`) is run on the same 10,000 embeddings in the same run.\n");
        md.append(
                "\nHow each figure is made: `bench/*.sh` (each prints its own ratios); `./digits bench --help` lists the sizes.\n");
        return md.toString();
    }

    /** The embedding width t-SNE ran on, as measured, or the current model's when not measured. */
    private static int width(JsonNode tsne) {
        return tsne.path("dim").asInt(FusionSpec.standard().embeddingDim());
    }

    /**
     * A serving ratio from the inference bench: the median over its rounds, with the spread when
     * there was more than one.
     */
    private static Row served(String what, JsonNode inf, String key, double goal) {
        JsonNode r = inf.path("ratios").path(key);
        return atLeast(what, r.path("median").asDouble(Double.NaN), goal, spread(r));
    }

    private static String spread(JsonNode ratio) {
        int n = ratio.path("values").size();
        return n < 2
                ? ""
                : String.format(
                        Locale.ROOT,
                        " (median of %d rounds, %.3f–%.3f)",
                        n,
                        ratio.path("min").asDouble(),
                        ratio.path("max").asDouble());
    }

    private static double ratio(JsonNode n, String a, String b) {
        return n.path(a).asDouble(Double.NaN) / n.path(b).asDouble(Double.NaN);
    }

    private static String fmt(double v) {
        // three decimals: 0.398 must not read as a 0.40 that misses a goal of 0.4
        return Double.isNaN(v) ? "not measured" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static Row atLeast(String what, double v, double goal) {
        return atLeast(what, v, goal, "");
    }

    private static Row atLeast(String what, double v, double goal, String detail) {
        return new Row(
                what,
                fmt(v) + (Double.isNaN(v) ? "" : detail),
                "≥ " + goal,
                Double.isNaN(v) ? "–" : v >= goal ? "yes" : "no");
    }

    private static Row atMost(String what, double v, double goal, String detail) {
        return new Row(
                what,
                fmt(v) + (Double.isNaN(v) ? "" : detail),
                "≤ " + goal,
                Double.isNaN(v) ? "–" : v <= goal ? "yes" : "no");
    }

    private static String flat(JsonNode n) {
        if (n.isMissingNode()) {
            return "not run";
        }
        List<String> parts = new ArrayList<>();
        // the figures; nested results (the serving ratios) have rows of their own
        n.fields()
                .forEachRemaining(
                        e -> {
                            if (!e.getValue().isContainerNode()) {
                                parts.add(
                                        e.getKey()
                                                + " "
                                                + (e.getValue().isNumber()
                                                        ? String.format(
                                                                Locale.ROOT,
                                                                "%.4g",
                                                                e.getValue().asDouble())
                                                        : e.getValue().asText()));
                            }
                        });
        return String.join(", ", parts);
    }

    /** Cores, CPU model, memory and Java of this machine. */
    static String machine() throws IOException {
        String cpu = "?";
        Path info = Path.of("/proc/cpuinfo");
        if (Files.exists(info)) {
            cpu =
                    Files.readAllLines(info).stream()
                            .filter(l -> l.startsWith("model name"))
                            .findFirst()
                            .map(l -> l.substring(l.indexOf(':') + 1).trim())
                            .orElse("?");
        }
        return String.format(
                Locale.ROOT,
                "%d cores (%s), %.1f GiB for the JVM's heap at most, Java %s, %s %s",
                Runtime.getRuntime().availableProcessors(),
                cpu,
                Runtime.getRuntime().maxMemory() / 1073741824.0,
                System.getProperty("java.version"),
                System.getProperty("os.name"),
                System.getProperty("os.arch"));
    }
}
