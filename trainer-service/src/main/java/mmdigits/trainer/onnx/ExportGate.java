package mmdigits.trainer.onnx;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Map;
import mmdigits.common.sample.Dimensions;
import mmdigits.common.sample.TensorNames;
import mmdigits.trainer.training.FusionBlock;
import mmdigits.trainer.training.ModelExport;
import mmdigits.trainer.training.ModelExport.Probe;
import mmdigits.trainer.training.ModelExport.Verified;
import mmdigits.trainer.training.TrainingException;

/**
 * Export and verify: writes the trained block as ONNX ({@link OnnxExporter}) and releases it only
 * when ONNX Runtime gives what DJL gives on the same samples, for both outputs: every probability
 * within {@link #MAX_DELTA}, every embedding value within {@link #MAX_DELTA} of the largest
 * embedding value (when that is above 1; embeddings are unbounded ReLU features). DJL has no ONNX
 * exporter, so this gate is what stands between our exporter and the served model.
 */
public final class ExportGate {
    public static final double MAX_DELTA = 1e-4;

    /** The name the trainer's models carry in their ONNX graph. */
    public static final String MODEL_NAME = "digits-fusion";

    /** The trainer's export: ONNX, released only when it passes this gate. */
    public static final ModelExport ONNX =
            (block, manager, probe) -> exportAndVerify(block, MODEL_NAME, manager, probe);

    /**
     * The export differs from DJL (or does not run): it must not be released, and the run that made
     * it fails.
     */
    public static final class Refused extends TrainingException {
        public Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private ExportGate() {}

    public static Verified exportAndVerify(
            FusionBlock block, String name, NDManager manager, Probe probe) {
        return verify(block, OnnxExporter.export(block, name), manager, probe);
    }

    /** Checks {@code onnx} against {@code block} on the probe samples. */
    public static Verified verify(FusionBlock block, byte[] onnx, NDManager manager, Probe probe) {
        float[][] expected = djl(block, manager, probe);
        Map<String, float[]> actual = onnxRuntime(onnx, probe);
        double p = maxAbsDelta(expected[0], actual.get(TensorNames.PROBABILITIES));
        double e = maxAbsDelta(expected[1], actual.get(TensorNames.EMBEDDING)) / scale(expected[1]);
        if (!(p <= MAX_DELTA) || !(e <= MAX_DELTA)) {
            throw new Refused(
                    String.format(
                            "the exported ONNX model differs from DJL on %d samples: probabilities by"
                                    + " %.3g, embedding by %.3g (allowed %.0e): not released",
                            probe.n(), p, e, MAX_DELTA),
                    null);
        }
        return new Verified(onnx, p, e);
    }

    /** DJL's probabilities and embedding. */
    private static float[][] djl(FusionBlock block, NDManager parent, Probe probe) {
        try (NDManager m = parent.newSubManager()) {
            NDList inputs =
                    new NDList(
                            m.create(probe.images(), new Shape(probe.n(), Dimensions.IMAGE)),
                            m.create(probe.audio(), new Shape(probe.n(), Dimensions.AUDIO)));
            NDList out = block.infer(new ParameterStore(m, false), inputs);
            return new float[][] {out.get(0).toFloatArray(), out.get(1).toFloatArray()};
        }
    }

    private static Map<String, float[]> onnxRuntime(byte[] onnx, Probe probe) {
        try (OrtRunner ort = new OrtRunner(onnx)) {
            return ort.run(
                    Map.of(TensorNames.IMAGE, probe.images(), TensorNames.AUDIO, probe.audio()),
                    Map.of(
                            TensorNames.IMAGE,
                            new long[] {probe.n(), Dimensions.IMAGE},
                            TensorNames.AUDIO,
                            new long[] {probe.n(), Dimensions.AUDIO}),
                    TensorNames.PROBABILITIES,
                    TensorNames.EMBEDDING);
        } catch (Exception | Error e) {
            throw new Refused("the exported ONNX model does not run in ONNX Runtime: " + e, e);
        }
    }

    /** The largest |value|, at least 1. */
    static double scale(float[] values) {
        double max = 1;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    /** max |a − b|; NaN when any difference is NaN or the lengths differ. */
    static double maxAbsDelta(float[] a, float[] b) {
        if (b == null || a.length != b.length) {
            return Double.NaN;
        }
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            double diff = Math.abs(a[i] - b[i]);
            if (Double.isNaN(diff)) {
                return Double.NaN;
            }
            d = Math.max(d, diff);
        }
        return d;
    }
}
