package mmdigits.trainer.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import mmdigits.common.sample.Dimensions;
import mmdigits.trainer.training.FusionBlock;
import mmdigits.trainer.training.FusionSpec;
import mmdigits.trainer.training.Layer;
import mmdigits.trainer.training.LayerBlocks;
import mmdigits.trainer.training.ModelExport;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX Runtime's output of the exported graph equals DJL's, layer by layer and for the whole model;
 * the export gate releases such an export and refuses a broken one.
 */
class OnnxExporterTest {
    static NDManager manager;
    final Random random = new Random(3);

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /**
     * Every parameter random (variances positive), so that running statistics are not the trivial
     * 0/1.
     */
    void randomize(Block block) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray a = p.getValue().getArray();
            float[] v = new float[(int) a.size()];
            boolean positive = p.getKey().endsWith("runningVar");
            for (int i = 0; i < v.length; i++) {
                v[i] = positive ? 0.2f + random.nextFloat() : (random.nextFloat() * 2 - 1) * 0.5f;
            }
            a.set(v);
        }
    }

    float[] randomInput(int n, float scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian() * scale;
        }
        return x;
    }

    static double maxDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    /**
     * max |a - b| / max(1, |a|): float32 rounding grows with the magnitude of a value, and
     * embedding values of a random model reach tens (on AVX-512 CPUs the two engines' sums differ
     * by ~1e-6 of that).
     */
    static double maxRelativeDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
        }
        return d;
    }

    static long[] concat(long n, long[] rest) {
        long[] s = new long[rest.length + 1];
        s[0] = n;
        System.arraycopy(rest, 0, s, 1, rest.length);
        return s;
    }

    void checkLayers(String what, List<Layer> layers, long[] in, long[] out) throws Exception {
        SequentialBlock block = LayerBlocks.sequential(layers);
        block.initialize(manager, DataType.FLOAT32, new Shape(concat(1, in)));
        randomize(block);
        byte[] model = OnnxExporter.exportLayers(layers, block, in, out);
        try (OrtRunner ort = new OrtRunner(model)) {
            for (int n : new int[] {1, 7}) {
                long[] shape = concat(n, in);
                int size = (int) new Shape(shape).size();
                float[] x = randomInput(size, 1.5f);
                float[] djl =
                        block.forward(
                                        new ParameterStore(manager, false),
                                        new NDList(manager.create(x, new Shape(shape))),
                                        false)
                                .singletonOrThrow()
                                .toFloatArray();
                float[] onnx = ort.run(Map.of("x", x), Map.of("x", shape), "y").get("y");
                assertThat(maxDiff(djl, onnx))
                        .as("%s, batch %d", what, n)
                        .isLessThanOrEqualTo(1e-4);
            }
        }
    }

    @Test
    void eachLayerTypeMatchesDjl() throws Exception {
        checkLayers(
                "Conv",
                List.of(new Layer.Conv(3, 4, 3, 1)),
                new long[] {3, 8, 8},
                new long[] {4, 8, 8});
        checkLayers(
                "Conv without padding",
                List.of(new Layer.Conv(2, 3, 3, 0)),
                new long[] {2, 6, 6},
                new long[] {3, 4, 4});
        checkLayers(
                "BatchNormalization",
                List.of(new Layer.BatchNorm(4, 1e-5f, 0.9f)),
                new long[] {4, 5, 5},
                new long[] {4, 5, 5});
        checkLayers("Relu", List.of(new Layer.Relu()), new long[] {10}, new long[] {10});
        checkLayers(
                "MaxPool",
                List.of(new Layer.MaxPool(2)),
                new long[] {3, 8, 8},
                new long[] {3, 4, 4});
        checkLayers("Flatten", List.of(new Layer.Flatten()), new long[] {3, 4, 4}, new long[] {48});
        checkLayers("Gemm", List.of(new Layer.Dense(12, 5)), new long[] {12}, new long[] {5});
        checkLayers(
                "Dropout (identity)",
                List.of(new Layer.Dropout(0.5f), new Layer.Dense(6, 2)),
                new long[] {6},
                new long[] {2});
    }

    FusionBlock randomModel() {
        float[] mean = randomInput(507, 3f);
        float[] std = new float[507];
        for (int i = 0; i < std.length; i++) {
            std[i] = 0.5f + random.nextFloat() * 5;
        }
        FusionBlock model =
                new FusionBlock(FusionSpec.small(), new FusionBlock.Normalization(255f, mean, std));
        model.initialize(manager, DataType.FLOAT32, new Shape(1, 784), new Shape(1, 507));
        randomize(model);
        return model;
    }

    @Test
    void wholeModelMatchesDjlOnProbabilitiesAndEmbedding() throws Exception {
        FusionBlock model = randomModel();
        byte[] bytes = OnnxExporter.export(model, "fusion");
        try (OrtRunner ort = new OrtRunner(bytes)) {
            for (int n : new int[] {1, 7}) {
                float[] img = new float[n * 784];
                for (int i = 0; i < img.length; i++) {
                    img[i] = random.nextInt(256);
                }
                float[] aud = randomInput(n * 507, 20f);
                NDList djl =
                        model.infer(
                                new ParameterStore(manager, false),
                                new NDList(
                                        manager.create(img, new Shape(n, 784)),
                                        manager.create(aud, new Shape(n, 507))));
                Map<String, float[]> out =
                        ort.run(
                                Map.of("image", img, "audio", aud),
                                Map.of("image", new long[] {n, 784}, "audio", new long[] {n, 507}),
                                "probabilities",
                                "embedding");
                assertThat(maxDiff(djl.get(0).toFloatArray(), out.get("probabilities")))
                        .as("probabilities, batch %d", n)
                        .isLessThanOrEqualTo(1e-4);
                assertThat(maxRelativeDiff(djl.get(1).toFloatArray(), out.get("embedding")))
                        .as("embedding, batch %d", n)
                        .isLessThanOrEqualTo(1e-4);
                assertThat(out.get("embedding")).hasSize(n * 32);
                float sum = 0;
                for (int k = 0; k < 10; k++) {
                    sum += out.get("probabilities")[k];
                }
                assertThat(sum).isCloseTo(1f, Assertions.within(1e-5f));
            }
        }
    }

    ModelExport.Probe probe(int n) {
        float[] img = new float[n * Dimensions.IMAGE];
        for (int i = 0; i < img.length; i++) {
            img[i] = random.nextInt(256);
        }
        return new ModelExport.Probe(img, randomInput(n * Dimensions.AUDIO, 20f), n);
    }

    @Test
    void gateReleasesAFaithfulExportAndSaysByHowMuchItDiffers() {
        FusionBlock model = randomModel();
        ModelExport.Verified v = ExportGate.exportAndVerify(model, "fusion", manager, probe(16));
        assertThat(v.probabilityDelta()).isLessThanOrEqualTo(1e-4);
        assertThat(v.embeddingDelta()).isLessThanOrEqualTo(1e-4);
        assertThat(v.bytes()).isEqualTo(OnnxExporter.export(model, "fusion"));
    }

    @Test
    void gateRefusesAnExportWithAWrongParameter() throws Exception {
        FusionBlock model = randomModel();
        OnnxMl.ModelProto.Builder broken =
                OnnxMl.ModelProto.parseFrom(OnnxExporter.export(model, "fusion")).toBuilder();
        OnnxMl.TensorProto.Builder bias =
                broken.getGraphBuilder().getInitializerBuilderList().stream()
                        .filter(t -> t.getName().equals("classifier0_bias"))
                        .findFirst()
                        .orElseThrow();
        ByteBuffer raw =
                ByteBuffer.wrap(bias.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        raw.putFloat(0, raw.getFloat(0) + 1e4f); // class 0 wins everywhere
        bias.setRawData(ByteString.copyFrom(raw.array()));
        assertThatThrownBy(
                        () ->
                                ExportGate.verify(
                                        model, broken.build().toByteArray(), manager, probe(16)))
                .isInstanceOf(ExportGate.Refused.class)
                .hasMessageContaining("differs from DJL on 16 samples")
                .hasMessageContaining("not released");
    }

    @Test
    void gateRefusesAnExportWhoseEmbeddingAloneIsWrong() throws Exception {
        FusionBlock model = randomModel();
        OnnxMl.ModelProto.Builder broken =
                OnnxMl.ModelProto.parseFrom(OnnxExporter.export(model, "fusion")).toBuilder();
        // the embedding output negated: the probabilities stay exactly as they were
        broken.getGraphBuilder().getNodeBuilderList().stream()
                .filter(n -> n.getName().equals("embedding_out"))
                .findFirst()
                .orElseThrow()
                .setOpType("Neg");
        assertThatThrownBy(
                        () ->
                                ExportGate.verify(
                                        model, broken.build().toByteArray(), manager, probe(16)))
                .isInstanceOf(ExportGate.Refused.class)
                .hasMessageMatching(".*probabilities by [0-9.e-]+, embedding by [1-9].*");
    }

    @Test
    void gateRefusesAnExportThatDoesNotRun() {
        FusionBlock model = randomModel();
        byte[] garbage = "not an onnx model".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ExportGate.verify(model, garbage, manager, probe(4)))
                .isInstanceOf(ExportGate.Refused.class)
                .hasMessageContaining("does not run in ONNX Runtime");
    }

    /**
     * Cepstral mean normalisation is the graph's first audio step: a constant added to one
     * coefficient in every frame (a channel or gain change) does not change the outputs.
     */
    @Test
    void anOffsetPerCoefficientLeavesTheExportedModelUnchanged() throws Exception {
        FusionBlock model = randomModel();
        ModelExport.Probe p = probe(5);
        float[] shifted = p.audio().clone();
        for (int i = 0; i < shifted.length; i++) {
            shifted[i] += 4f * (i % Dimensions.AUDIO_COEFFICIENTS) - 20f;
        }
        try (OrtRunner ort = new OrtRunner(OnnxExporter.export(model, "fusion"))) {
            Map<String, long[]> shapes =
                    Map.of("image", new long[] {5, 784}, "audio", new long[] {5, 507});
            Map<String, float[]> a =
                    ort.run(
                            Map.of("image", p.images(), "audio", p.audio()),
                            shapes,
                            "probabilities",
                            "embedding");
            Map<String, float[]> b =
                    ort.run(
                            Map.of("image", p.images(), "audio", shifted),
                            shapes,
                            "probabilities",
                            "embedding");
            assertThat(maxDiff(a.get("probabilities"), b.get("probabilities"))).isLessThan(1e-4);
            assertThat(maxRelativeDiff(a.get("embedding"), b.get("embedding"))).isLessThan(1e-4);
            float[] changedImage = p.images().clone();
            changedImage[300] = 255 - changedImage[300];
            changedImage[400] = 255 - changedImage[400];
            Map<String, float[]> c =
                    ort.run(Map.of("image", changedImage, "audio", p.audio()), shapes, "embedding");
            assertThat(maxDiff(a.get("embedding"), c.get("embedding")))
                    .as("the comparison can fail: other pixels change the embedding")
                    .isGreaterThan(1e-3);
        }
    }

    @Test
    void passesTheOnnxChecker(@TempDir Path dir) throws Exception {
        Path file =
                Files.write(
                        dir.resolve("model.onnx"), OnnxExporter.export(randomModel(), "fusion"));
        Process p =
                new ProcessBuilder(
                                "/usr/bin/python3",
                                "-c",
                                "import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); "
                                        + "print('ok', m.opset_import[0].version, [i.name for i in m.graph.input], [o.name for o in m.graph.output])",
                                file.toString())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("onnx.checker (Debian python3-onnx): %s", out).isZero();
        assertThat(out.trim()).isEqualTo("ok 17 ['image', 'audio'] ['probabilities', 'embedding']");
    }
}
