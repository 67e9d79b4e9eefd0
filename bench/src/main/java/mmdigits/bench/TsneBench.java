package mmdigits.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import mmdigits.common.sample.Dimensions;
import mmdigits.common.seed.NpyDType;
import mmdigits.common.seed.NpyWriter;
import mmdigits.common.seed.SeedSplit;
import mmdigits.viz.metrics.Metrics;
import mmdigits.viz.report.Clustering;
import mmdigits.viz.tsne.Tsne;
import mmdigits.viz.tsne.TsneConfig;

/**
 * t-SNE of the real embeddings of the test split (out/model.onnx on data/demo) with the viz
 * service's implementation; writes them for bench/tsne_sklearn.py, which runs scikit-learn's TSNE
 * on the same points and computes both trustworthiness values with scikit-learn.
 */
public final class TsneBench {
    public static void main(String[] args) {
        Services.runAndExit(() -> run(args));
    }

    static void run(String[] args) throws Exception {
        Path root = Path.of(".").toAbsolutePath().normalize();
        Services.ModelInputs in = Services.ModelInputs.parse(args, root, "--n", 10_000);
        Path model = in.model();
        Path data = in.data();
        int n = in.number();
        Path work = Files.createDirectories(root.resolve("out/bench/tsne-" + n));
        float[][] emb;
        int[] labels;
        // the test split first, then the training split (70,000 = MNIST's size)
        try (SeedSplit test = SeedSplit.open(data, Split.TEST, x -> {});
                SeedSplit train = SeedSplit.open(data, Split.TRAIN, x -> {});
                OrtEnvironment env = OrtEnvironment.getEnvironment();
                OrtSession session =
                        env.createSession(
                                Files.readAllBytes(model), new OrtSession.SessionOptions())) {
            n = (int) Math.min(n, test.rows() + train.rows());
            emb = new float[n][];
            labels = new int[n];
            for (int from = 0; from < n; from += 256) {
                int b = Math.min(256, n - from);
                FloatBuffer img =
                        ByteBuffer.allocateDirect(b * Dimensions.IMAGE * 4)
                                .order(ByteOrder.nativeOrder())
                                .asFloatBuffer();
                FloatBuffer aud =
                        ByteBuffer.allocateDirect(b * Dimensions.AUDIO * 4)
                                .order(ByteOrder.nativeOrder())
                                .asFloatBuffer();
                for (int i = 0; i < b; i++) {
                    long row = from + i;
                    Sample s =
                            row < test.rows()
                                    ? test.sample("bench", row)
                                    : train.sample("bench", row - test.rows());
                    s.getImageList().forEach(img::put);
                    s.getAudioList().forEach(aud::put);
                    labels[from + i] = s.hasLabel() ? s.getLabel() : -1;
                }
                img.rewind();
                aud.rewind();
                try (OnnxTensor a =
                                OnnxTensor.createTensor(
                                        env, img, new long[] {b, Dimensions.IMAGE});
                        OnnxTensor c =
                                OnnxTensor.createTensor(
                                        env, aud, new long[] {b, Dimensions.AUDIO});
                        OrtSession.Result r = session.run(Map.of("image", a, "audio", c))) {
                    float[][] e = (float[][]) r.get("embedding").get().getValue();
                    System.arraycopy(e, 0, emb, from, b);
                }
            }
        }
        int dim = emb[0].length;
        double[][] x = new double[n][dim];
        try (NpyWriter w =
                NpyWriter.create(work.resolve("embeddings.npy"), NpyDType.FLOAT32, n, dim)) {
            for (int i = 0; i < n; i++) {
                w.writeRow(emb[i]);
                for (int j = 0; j < dim; j++) {
                    x[i][j] = emb[i][j];
                }
            }
        }
        Files.writeString(
                work.resolve("labels.txt"),
                Arrays.stream(labels).mapToObj(Integer::toString).collect(Collectors.joining("\n"))
                        + "\n");
        System.out.printf("%,d embeddings of width %d from %s%n", n, dim, model);

        long t0 = System.nanoTime();
        int[] clusters = Clustering.kmeans(x, 10, 5, 300, 42);
        double kmeansSeconds = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        Tsne.Result r =
                Tsne.run(
                        x,
                        TsneConfig.defaults(),
                        p ->
                                System.out.printf(
                                        Locale.ROOT,
                                        "  t-SNE iteration %4d/%d KL %.4f%n",
                                        p.iteration(),
                                        p.iterations(),
                                        p.kl()));
        double tsneSeconds = (System.nanoTime() - t1) / 1e9;
        try (NpyWriter w =
                NpyWriter.create(work.resolve("tsne-java.npy"), NpyDType.FLOAT32, n, 2)) {
            for (double[] p : r.embedding()) {
                w.writeRow(new float[] {(float) p[0], (float) p[1]});
            }
        }
        // the report's metrics: sampled past 2,000 points (the viz service's default); exact
        // trustworthiness only up to 10,000
        int[] queries = Metrics.sample(n, 2000, 42);
        long t2 = System.nanoTime();
        Metrics.MapQuality quality = Metrics.mapQuality(x, clusters, r.embedding(), 10, queries);
        double trustSampled = quality.trustworthiness();
        double silhouette = quality.silhouette();
        double metricsSeconds = (System.nanoTime() - t2) / 1e9;
        double trust = Double.NaN;
        double trustSeconds = Double.NaN;
        if (n <= 10_000) {
            long t3 = System.nanoTime();
            trust = Metrics.trustworthiness(x, r.embedding(), 10);
            trustSeconds = (System.nanoTime() - t3) / 1e9;
        }
        System.out.printf(
                Locale.ROOT,
                "java: K-means (k=10, 5 restarts) %.2f s, ARI vs labels %.4f%n",
                kmeansSeconds,
                Metrics.adjustedRandIndex(labels, clusters));
        System.out.printf(
                Locale.ROOT,
                "java: t-SNE %.2f s (%s%s, 1000 iterations; input affinities %.2f s), KL %.4f%n",
                tsneSeconds,
                r.gradient().label(),
                r.approximateNeighbours() ? ", approximate neighbours" : "",
                r.affinitySeconds(),
                r.kl());
        System.out.printf(
                Locale.ROOT,
                "java: report metrics from %,d query points %.2f s (trustworthiness %.4f, silhouette %.4f); "
                        + "exact trustworthiness %.4f (%.1f s)%n",
                queries.length,
                metricsSeconds,
                trustSampled,
                silhouette,
                trust,
                trustSeconds);
        Files.writeString(
                work.resolve("java.json"),
                String.format(
                        Locale.ROOT,
                        "{\"n\": %d, \"dim\": %d, \"tsne_seconds\": %.3f, \"affinity_seconds\": %.3f, \"gradient\": \"%s\", \"approximate_neighbours\": %s, "
                                + "\"kmeans_seconds\": %.3f, \"trustworthiness\": %s, \"exact_trustworthiness_seconds\": %s, "
                                + "\"sampled_trustworthiness\": %.6f, \"silhouette\": %.6f, \"metrics_sample\": %d, \"metrics_seconds\": %.3f, "
                                + "\"kl\": %.6f}%n",
                        n,
                        dim,
                        tsneSeconds,
                        r.affinitySeconds(),
                        r.gradient().label(),
                        r.approximateNeighbours(),
                        kmeansSeconds,
                        json(trust),
                        json(trustSeconds),
                        trustSampled,
                        silhouette,
                        queries.length,
                        metricsSeconds,
                        r.kl()));
    }

    private static String json(double v) {
        return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.6f", v);
    }
}
