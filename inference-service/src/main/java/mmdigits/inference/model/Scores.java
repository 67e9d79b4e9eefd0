package mmdigits.inference.model;

import java.util.Arrays;
import mmdigits.common.sample.Dimensions;

/**
 * The outputs of one ONNX Runtime call: n rows of 10 probabilities and of an embedding of width
 * dim.
 */
public record Scores(
        int n, int dim, float[] probabilities, float[] embedding, String modelVersion) {

    public float[] probabilities(int row) {
        return Arrays.copyOfRange(
                probabilities, row * Dimensions.CLASSES, (row + 1) * Dimensions.CLASSES);
    }

    public float[] embedding(int row) {
        return Arrays.copyOfRange(embedding, row * dim, (row + 1) * dim);
    }

    /** The most probable digit of a row (the lowest digit on a tie). */
    public int label(int row) {
        int best = 0;
        int base = row * Dimensions.CLASSES;
        for (int k = 1; k < Dimensions.CLASSES; k++) {
            if (probabilities[base + k] > probabilities[base + best]) {
                best = k;
            }
        }
        return best;
    }

    /** Rows [from, from + count) as scores of their own. */
    public Scores slice(int from, int count) {
        return new Scores(
                count,
                dim,
                Arrays.copyOfRange(
                        probabilities,
                        from * Dimensions.CLASSES,
                        (from + count) * Dimensions.CLASSES),
                Arrays.copyOfRange(embedding, from * dim, (from + count) * dim),
                modelVersion);
    }
}
