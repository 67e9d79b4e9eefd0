package mmdigits.common.sample;

/**
 * The names of the model's inputs and outputs: the contract between the trainer's ONNX export and
 * every inference route (KServe and gRPC clients use them as tensor names).
 */
public final class TensorNames {
    /** Input: the image, [N, {@value Dimensions#IMAGE}]. */
    public static final String IMAGE = "image";

    /** Input: the MFCC, [N, {@value Dimensions#AUDIO}]. */
    public static final String AUDIO = "audio";

    /** Output: the class probabilities, [N, {@value Dimensions#CLASSES}]. */
    public static final String PROBABILITIES = "probabilities";

    /** Output: the fused embedding, [N, D]. */
    public static final String EMBEDDING = "embedding";

    private TensorNames() {}
}
