package mmdigits.viz.drift;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import mmdigits.common.proto.DriftReference;

/**
 * A release's drift reference ({@code ModelRelease.drift_reference}, made by the trainer from the
 * training split) in the form the measures take: its embedding sample as rows, cut into the parts
 * compared ({@link Part}: the whole embedding, and each branch's features when the release says
 * where they lie), each with its kernel bandwidth chosen once (the median heuristic); the input
 * statistics per modality.
 */
public record Reference(
        String version,
        List<Part> parts,
        float[] imageMean,
        float[] imageStd,
        float[] audioMean,
        float[] audioStd) {

    /** The whole embedding. */
    public static final String ALL = "all";

    /**
     * The values {@code from}..{@code to} (exclusive) of the reference's embeddings, and their
     * bandwidth. The branches are compared apart because the whole embedding's distances are
     * dominated by its wider image part: on the demo data an unseen TTS engine moves the audio
     * features and hardly the whole (docs/drift.md).
     */
    public record Part(String name, int from, int to, float[][] embeddings, double bandwidth) {
        float[] slice(float[] vector) {
            return Arrays.copyOfRange(vector, from, to);
        }
    }

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
        List<Part> parts = new ArrayList<>();
        parts.add(part(ALL, 0, dim, rows));
        int image = r.getImageFeatures();
        if (image > 0 && image < dim) {
            parts.add(part("image", 0, image, rows));
            parts.add(part("audio", image, dim, rows));
        }
        return new Reference(
                version,
                List.copyOf(parts),
                floats(r.getImageMeanList()),
                floats(r.getImageStdList()),
                floats(r.getAudioMeanList()),
                floats(r.getAudioStdList()));
    }

    private static Part part(String name, int from, int to, float[][] rows) {
        float[][] cut = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            cut[i] = Arrays.copyOfRange(rows[i], from, to);
        }
        return new Part(name, from, to, cut, Mmd.medianDistance(cut));
    }

    public int dim() {
        return parts.get(0).to();
    }

    private static float[] floats(List<Float> list) {
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }
}
