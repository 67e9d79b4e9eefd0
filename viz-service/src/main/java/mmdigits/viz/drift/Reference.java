package mmdigits.viz.drift;

import java.util.List;
import mmdigits.common.proto.DriftReference;

/**
 * A release's drift reference ({@code ModelRelease.drift_reference}, made by the trainer from the
 * training split) in the form the measures take: its embedding sample as rows, the kernel bandwidth
 * chosen on them once (the median heuristic), the input statistics per modality.
 */
public record Reference(
        String version,
        float[][] embeddings,
        double bandwidth,
        float[] imageMean,
        float[] imageStd,
        float[] audioMean,
        float[] audioStd) {

    /** At least this many reference embeddings, or the release has no usable reference. */
    static final int MIN_EMBEDDINGS = 2;

    /** The reference of a release, or null when it has none (an older release) or too little. */
    public static Reference of(String version, DriftReference r) {
        int n = r.getEmbeddingSamples();
        int dim = r.getEmbeddingDim();
        if (n < MIN_EMBEDDINGS || dim <= 0 || r.getEmbeddingsCount() != n * dim) {
            return null;
        }
        float[][] rows = new float[n][dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                rows[i][j] = r.getEmbeddings(i * dim + j);
            }
        }
        return new Reference(
                version,
                rows,
                Mmd.medianDistance(rows),
                floats(r.getImageMeanList()),
                floats(r.getImageStdList()),
                floats(r.getAudioMeanList()),
                floats(r.getAudioStdList()));
    }

    public int dim() {
        return embeddings[0].length;
    }

    private static float[] floats(List<Float> list) {
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }
}
