package mmdigits.trainer.onnx;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import mmdigits.common.sample.Dimensions;
import mmdigits.common.sample.TensorNames;
import mmdigits.trainer.training.FusionBlock;
import mmdigits.trainer.training.Layer;

/**
 * Writes a trained {@link FusionBlock} as an ONNX model (opset 17, dynamic batch dimension "N"):
 * inputs {@code image} float [N,784] and {@code audio} float [N,507], raw values as in the seed
 * files (the audio's cepstral mean normalisation is the graph's first step, as in the DJL block);
 * outputs {@code probabilities} [N,10] and {@code embedding} [N,D]. DJL has no ONNX exporter; this
 * walks our own layer description ({@link Layer}) beside the trained DJL blocks. {@link ExportGate}
 * checks what it writes before anything is released.
 */
public final class OnnxExporter {
    public static final int OPSET = 17;

    private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();
    private int counter;

    private OnnxExporter(String name) {
        graph.setName(name);
    }

    /** The whole fused model. */
    public static byte[] export(FusionBlock model, String name) {
        OnnxExporter e = new OnnxExporter(name);
        FusionBlock.Normalization n = model.normalization();
        e.graph.addInput(valueInfo(TensorNames.IMAGE, Dimensions.IMAGE));
        e.graph.addInput(valueInfo(TensorNames.AUDIO, Dimensions.AUDIO));
        String img =
                e.node(
                        "Div",
                        List.of(
                                TensorNames.IMAGE,
                                e.constant(
                                        "image_scale",
                                        new float[] {n.imageScale()},
                                        new long[] {1})));
        img =
                e.node(
                        "Reshape",
                        List.of(
                                img,
                                e.int64Constant(
                                        "image_shape",
                                        new long[] {
                                            -1, 1, Dimensions.IMAGE_HEIGHT, Dimensions.IMAGE_WIDTH
                                        })));
        String fi = e.layers(model.spec().image(), model.imageBranch(), img, "image");
        String aud =
                e.node(
                        "Sub",
                        List.of(
                                e.cepstralMeanNormalised(TensorNames.AUDIO),
                                e.constant(
                                        "audio_mean",
                                        n.audioMean(),
                                        new long[] {Dimensions.AUDIO})));
        aud =
                e.node(
                        "Div",
                        List.of(
                                aud,
                                e.constant(
                                        "audio_std", n.audioStd(), new long[] {Dimensions.AUDIO})));
        String fa = e.layers(model.spec().audio(), model.audioBranch(), aud, "audio");
        String embedding = e.node("Concat", List.of(fi, fa), attr("axis", 1));
        e.graph.addNode(
                OnnxMl.NodeProto.newBuilder()
                        .setOpType("Identity")
                        .setName("embedding_out")
                        .addInput(embedding)
                        .addOutput(TensorNames.EMBEDDING));
        String logits =
                e.layers(
                        model.spec().classifier(),
                        model.classifierBlock(),
                        embedding,
                        "classifier");
        e.graph.addNode(
                OnnxMl.NodeProto.newBuilder()
                        .setOpType("Softmax")
                        .setName("softmax")
                        .addInput(logits)
                        .addOutput(TensorNames.PROBABILITIES)
                        .addAttribute(attr("axis", 1)));
        e.graph.addOutput(valueInfo(TensorNames.PROBABILITIES, Dimensions.CLASSES));
        e.graph.addOutput(valueInfo(TensorNames.EMBEDDING, model.spec().embeddingDim()));
        return e.model();
    }

    /**
     * [N,507] → [N,39,13], minus each coefficient's mean over the frames, → [N,507]: as {@code
     * FusionBlock.cepstralMeanNormalised}.
     */
    private String cepstralMeanNormalised(String audio) {
        String frames =
                node(
                        "Reshape",
                        List.of(
                                audio,
                                int64Constant(
                                        "audio_frames_shape",
                                        new long[] {
                                            -1,
                                            Dimensions.AUDIO_FRAMES,
                                            Dimensions.AUDIO_COEFFICIENTS
                                        })));
        String mean = node("ReduceMean", List.of(frames), ints("axes", 1), attr("keepdims", 1));
        String centred = node("Sub", List.of(frames, mean));
        return node(
                "Reshape",
                List.of(
                        centred,
                        int64Constant("audio_flat_shape", new long[] {-1, Dimensions.AUDIO})));
    }

    /**
     * One sequence of layers with its trained DJL block, as a model of its own (input "x" of the
     * given trailing shape, output "y"): lets tests compare each layer type with DJL.
     */
    public static byte[] exportLayers(
            List<Layer> layers, SequentialBlock block, long[] inputShape, long[] outputShape) {
        OnnxExporter e = new OnnxExporter("layers");
        e.graph.addInput(valueInfo("x", inputShape));
        String y = e.layers(layers, block, "x", "l");
        e.graph.addNode(
                OnnxMl.NodeProto.newBuilder()
                        .setOpType("Identity")
                        .setName("out")
                        .addInput(y)
                        .addOutput("y"));
        e.graph.addOutput(valueInfo("y", outputShape));
        return e.model();
    }

    private byte[] model() {
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("mmdigits-trainer")
                .setProducerVersion("1")
                .addOpsetImport(
                        OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    private String layers(List<Layer> layers, SequentialBlock block, String input, String prefix) {
        List<Block> children = block.getChildren().values();
        if (children.size() != layers.size()) {
            throw new IllegalStateException(
                    prefix
                            + ": "
                            + layers.size()
                            + " layers but "
                            + children.size()
                            + " DJL blocks");
        }
        String x = input;
        for (int i = 0; i < layers.size(); i++) {
            x = layer(layers.get(i), children.get(i), x, prefix + i);
        }
        return x;
    }

    private String layer(Layer layer, Block block, String x, String name) {
        if (layer instanceof Layer.Conv c) {
            return node(
                    "Conv",
                    List.of(x, param(block, "weight", name), param(block, "bias", name)),
                    ints("kernel_shape", c.kernel(), c.kernel()),
                    ints("pads", c.padding(), c.padding(), c.padding(), c.padding()),
                    ints("strides", 1, 1));
        } else if (layer instanceof Layer.BatchNorm n) {
            return node(
                    "BatchNormalization",
                    List.of(
                            x,
                            param(block, "gamma", name),
                            param(block, "beta", name),
                            param(block, "runningMean", name),
                            param(block, "runningVar", name)),
                    attr("epsilon", n.epsilon()));
        } else if (layer instanceof Layer.Relu) {
            return node("Relu", List.of(x));
        } else if (layer instanceof Layer.MaxPool p) {
            return node(
                    "MaxPool",
                    List.of(x),
                    ints("kernel_shape", p.size(), p.size()),
                    ints("strides", p.size(), p.size()));
        } else if (layer instanceof Layer.Flatten) {
            return node("Flatten", List.of(x), attr("axis", 1));
        } else if (layer instanceof Layer.Dense) {
            return node(
                    "Gemm",
                    List.of(x, param(block, "weight", name), param(block, "bias", name)),
                    attr("transB", 1));
        } else if (layer instanceof Layer.Dropout) {
            return x; // identity at inference
        }
        throw new IllegalArgumentException("cannot export " + layer);
    }

    private String param(Block block, String param, String layerName) {
        Parameter p = block.getParameters().get(param);
        if (p == null || p.getArray() == null) {
            throw new IllegalStateException(
                    layerName
                            + ": DJL block "
                            + block.getClass().getSimpleName()
                            + " has no parameter '"
                            + param
                            + "' (has "
                            + block.getParameters().keys()
                            + ")");
        }
        return constant(
                layerName + "_" + param,
                p.getArray().toFloatArray(),
                p.getArray().getShape().getShape());
    }

    private String node(String op, List<String> inputs, OnnxMl.AttributeProto... attributes) {
        String out = op.toLowerCase() + "_" + (counter++);
        OnnxMl.NodeProto.Builder n =
                OnnxMl.NodeProto.newBuilder()
                        .setOpType(op)
                        .setName(out)
                        .addAllInput(inputs)
                        .addOutput(out);
        for (OnnxMl.AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return out;
    }

    private String constant(String name, float[] values, long[] dims) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        graph.addInitializer(
                OnnxMl.TensorProto.newBuilder()
                        .setName(name)
                        .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .addAllDims(toList(dims))
                        .setRawData(ByteString.copyFrom(b.array())));
        return name;
    }

    private String int64Constant(String name, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        graph.addInitializer(
                OnnxMl.TensorProto.newBuilder()
                        .setName(name)
                        .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
                        .addDims(values.length)
                        .setRawData(ByteString.copyFrom(b.array())));
        return name;
    }

    private static List<Long> toList(long[] dims) {
        List<Long> l = new ArrayList<>(dims.length);
        for (long d : dims) {
            l.add(d);
        }
        return l;
    }

    static OnnxMl.AttributeProto attr(String name, int value) {
        return OnnxMl.AttributeProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.INT)
                .setI(value)
                .build();
    }

    static OnnxMl.AttributeProto attr(String name, float value) {
        return OnnxMl.AttributeProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.FLOAT)
                .setF(value)
                .build();
    }

    static OnnxMl.AttributeProto ints(String name, long... values) {
        OnnxMl.AttributeProto.Builder b =
                OnnxMl.AttributeProto.newBuilder()
                        .setName(name)
                        .setType(OnnxMl.AttributeProto.AttributeType.INTS);
        for (long v : values) {
            b.addInts(v);
        }
        return b.build();
    }

    /** A float tensor [N, trailing...] with a dynamic batch dimension. */
    static OnnxMl.ValueInfoProto valueInfo(String name, long... trailing) {
        OnnxMl.TensorShapeProto.Builder shape =
                OnnxMl.TensorShapeProto.newBuilder()
                        .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (long d : trailing) {
            shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(
                        OnnxMl.TypeProto.newBuilder()
                                .setTensorType(
                                        OnnxMl.TypeProto.Tensor.newBuilder()
                                                .setElemType(
                                                        OnnxMl.TensorProto.DataType.FLOAT
                                                                .getNumber())
                                                .setShape(shape)))
                .build();
    }
}
