package mmdigits.inference;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Random;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.sample.Dimensions;

/**
 * A small model with known weights, written as ONNX by hand (the contract's inputs and outputs),
 * with a plain-Java forward pass as the independent reference: embedding = relu(image/255 · Wi +
 * (audio - blank) · Wa + b1) [D], probabilities = softmax(embedding · W2 + b2).
 */
public final class ReferenceModel {
    public static final int D = 8;
    final float[] wi = new float[Dimensions.IMAGE * D];
    final float[] wa = new float[Dimensions.AUDIO * D];
    final float[] b1 = new float[D];
    final float[] w2 = new float[D * Dimensions.CLASSES];
    final float[] b2 = new float[Dimensions.CLASSES];
    final float[] blank = new float[Dimensions.AUDIO];

    public ReferenceModel(long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < wi.length; i++) {
            wi[i] = (float) (r.nextGaussian() * 0.1);
        }
        for (int i = 0; i < wa.length; i++) {
            wa[i] = (float) (r.nextGaussian() * 0.05);
        }
        for (int i = 0; i < D; i++) {
            b1[i] = (float) (r.nextGaussian() * 0.1);
        }
        for (int i = 0; i < w2.length; i++) {
            w2[i] = (float) (r.nextGaussian());
        }
        for (int i = 0; i < Dimensions.CLASSES; i++) {
            b2[i] = (float) (r.nextGaussian() * 0.1);
        }
        for (int i = 0; i < blank.length; i++) {
            blank[i] = (float) (r.nextGaussian() * 3);
        }
    }

    /** The release: name "digits", the given version and creation time. */
    public ModelRelease release(String version, long createdMs) {
        ModelRelease.Builder b =
                ModelRelease.newBuilder()
                        .setName("digits")
                        .setVersion(version)
                        .setCreatedMs(createdMs)
                        .setDataset("fixture")
                        .setRunId("run-" + version)
                        .setEmbeddingDim(D)
                        .setOnnx(ByteString.copyFrom(onnx()))
                        .putMetrics("validation_accuracy", 0.5)
                        .putMetrics("validation_accuracy_image_only", 0.4)
                        .putMetrics("validation_accuracy_audio_only", 0.3);
        for (float v : blank) {
            b.addBlankAudio(v);
        }
        return b.build();
    }

    /** One row: [10 probabilities, D embedding values]; null audio means the blank (train mean). */
    public double[][] forward(float[] image, float[] audio) {
        double[] h = new double[D];
        for (int j = 0; j < D; j++) {
            double s = b1[j];
            for (int i = 0; i < Dimensions.IMAGE; i++) {
                s += (image == null ? 0 : image[i] / 255.0) * wi[i * D + j];
            }
            for (int i = 0; i < Dimensions.AUDIO; i++) {
                s += ((audio == null ? blank[i] : audio[i]) - blank[i]) * wa[i * D + j];
            }
            h[j] = Math.max(0, s);
        }
        double[] z = new double[Dimensions.CLASSES];
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < z.length; k++) {
            double s = b2[k];
            for (int j = 0; j < D; j++) {
                s += h[j] * w2[j * Dimensions.CLASSES + k];
            }
            z[k] = s;
            max = Math.max(max, s);
        }
        double sum = 0;
        for (int k = 0; k < z.length; k++) {
            z[k] = Math.exp(z[k] - max);
            sum += z[k];
        }
        for (int k = 0; k < z.length; k++) {
            z[k] /= sum;
        }
        return new double[][] {z, h};
    }

    public int label(float[] image, float[] audio) {
        double[] p = forward(image, audio)[0];
        int best = 0;
        for (int k = 1; k < p.length; k++) {
            if (p[k] > p[best]) {
                best = k;
            }
        }
        return best;
    }

    byte[] onnx() {
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("reference");
        g.addInput(io("image", Dimensions.IMAGE)).addInput(io("audio", Dimensions.AUDIO));
        g.addOutput(io("probabilities", Dimensions.CLASSES)).addOutput(io("embedding", D));
        init(g, "scale", new float[] {1f / 255f}, 1);
        init(g, "blank", blank, Dimensions.AUDIO);
        init(g, "wi", wi, Dimensions.IMAGE, D);
        init(g, "wa", wa, Dimensions.AUDIO, D);
        init(g, "b1", b1, D);
        init(g, "w2", w2, D, Dimensions.CLASSES);
        init(g, "b2", b2, Dimensions.CLASSES);
        node(g, "Mul", "xi", "image", "scale");
        node(g, "Sub", "xa", "audio", "blank");
        node(g, "MatMul", "hi", "xi", "wi");
        node(g, "MatMul", "ha", "xa", "wa");
        node(g, "Add", "h0", "hi", "ha");
        node(g, "Add", "h1", "h0", "b1");
        node(g, "Relu", "embedding", "h1");
        node(g, "MatMul", "z0", "embedding", "w2");
        node(g, "Add", "z", "z0", "b2");
        node(g, "Softmax", "probabilities", "z");
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("mmdigits-test")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(g)
                .build()
                .toByteArray();
    }

    private static void node(OnnxMl.GraphProto.Builder g, String op, String out, String... in) {
        g.addNode(
                OnnxMl.NodeProto.newBuilder()
                        .setOpType(op)
                        .setName(out)
                        .addAllInput(List.of(in))
                        .addOutput(out));
    }

    private static void init(OnnxMl.GraphProto.Builder g, String name, float[] v, long... dims) {
        OnnxMl.TensorProto.Builder t =
                OnnxMl.TensorProto.newBuilder()
                        .setName(name)
                        .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber());
        for (long d : dims) {
            t.addDims(d);
        }
        for (float f : v) {
            t.addFloatData(f);
        }
        g.addInitializer(t);
    }

    private static OnnxMl.ValueInfoProto io(String name, long width) {
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(
                        OnnxMl.TypeProto.newBuilder()
                                .setTensorType(
                                        OnnxMl.TypeProto.Tensor.newBuilder()
                                                .setElemType(
                                                        OnnxMl.TensorProto.DataType.FLOAT
                                                                .getNumber())
                                                .setShape(
                                                        OnnxMl.TensorShapeProto.newBuilder()
                                                                .addDim(
                                                                        OnnxMl.TensorShapeProto
                                                                                .Dimension
                                                                                .newBuilder()
                                                                                .setDimParam("N"))
                                                                .addDim(
                                                                        OnnxMl.TensorShapeProto
                                                                                .Dimension
                                                                                .newBuilder()
                                                                                .setDimValue(
                                                                                        width)))))
                .build();
    }

    /** A random sample with MNIST-like image values (0-255) and MFCC-like audio values. */
    public static float[][] sample(Random r) {
        float[] image = new float[Dimensions.IMAGE];
        for (int i = 0; i < image.length; i++) {
            image[i] = r.nextDouble() < 0.2 ? r.nextInt(256) : 0;
        }
        float[] audio = new float[Dimensions.AUDIO];
        for (int i = 0; i < audio.length; i++) {
            audio[i] = (float) (r.nextGaussian() * 10);
        }
        return new float[][] {image, audio};
    }
}
