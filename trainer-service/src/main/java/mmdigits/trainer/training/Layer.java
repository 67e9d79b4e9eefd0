package mmdigits.trainer.training;

/**
 * The layers the fused model is made of, with every hyper-parameter the ONNX exporter needs. DJL
 * blocks are built from these ({@link Blocks}); the exporter reads the same description, so nothing
 * is recovered from DJL's private fields.
 */
public sealed interface Layer {
    /** 2-D convolution, square kernel, stride 1, symmetric zero padding. */
    record Conv(int inChannels, int outChannels, int kernel, int padding) implements Layer {}

    /** Batch normalisation over channels (axis 1), in inference form when exported. */
    record BatchNorm(int channels, float epsilon, float momentum) implements Layer {}

    record Relu() implements Layer {}

    /** Max pooling, square window, stride = window. */
    record MaxPool(int size) implements Layer {}

    /** [N, ...] → [N, rest]. */
    record Flatten() implements Layer {}

    /** y = x W^T + b. */
    record Dense(int in, int out) implements Layer {}

    /** Training only; identity in the exported graph. */
    record Dropout(float rate) implements Layer {}
}
