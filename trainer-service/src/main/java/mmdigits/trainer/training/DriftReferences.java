package mmdigits.trainer.training;

import java.util.Arrays;
import java.util.Random;
import mmdigits.common.proto.DriftReference;
import mmdigits.common.sample.Dimensions;

/**
 * What a release's live stream is compared with for drift (the viz service's {@code drift} package,
 * docs/drift.md): the per-feature mean and standard deviation of the raw image and MFCC inputs of
 * the training rows, and the embeddings of a fixed-seed sample of the held-out (validation) rows of
 * the same split. Held-out rows, because the model has fitted its training rows: their embeddings
 * are tighter than those of any unseen sample, so a reference drawn from them would call every test
 * split drifted.
 */
public final class DriftReferences {
    /** Embeddings kept in a release: the MMD's noise floor falls as 1/n (docs/drift.md). */
    public static final int EMBEDDING_SAMPLES = 500;

    /** The embeddings of {@code n} raw samples, row-major [n·dim]. */
    @FunctionalInterface
    public interface Embedder {
        float[] embed(float[] images, float[] audio, int n);
    }

    private DriftReferences() {}

    /**
     * The reference: input statistics over {@code inputRows}, embeddings of at most {@code samples}
     * of {@code heldOutRows} picked with {@code seed}.
     */
    public static DriftReference of(
            TrainingSet data,
            int[] inputRows,
            int[] heldOutRows,
            Embedder embedder,
            int embeddingDim,
            int imageFeatures,
            int samples,
            long seed) {
        if (inputRows.length == 0) {
            throw new IllegalArgumentException("drift reference: no training rows");
        }
        DriftReference.Builder b =
                DriftReference.newBuilder()
                        .setInputSamples(inputRows.length)
                        .setImageFeatures(imageFeatures)
                        .setSeed(seed);
        float[][] image = meanAndStd(inputRows.length, Dimensions.IMAGE, data::image, inputRows);
        float[][] audio = meanAndStd(inputRows.length, Dimensions.AUDIO, data::audio, inputRows);
        addAll(b::addImageMean, image[0]);
        addAll(b::addImageStd, image[1]);
        addAll(b::addAudioMean, audio[0]);
        addAll(b::addAudioStd, audio[1]);
        int[] picked = sample(heldOutRows, samples, seed);
        if (picked.length > 0) {
            float[] e = embedder.embed(data.images(picked), data.audio(picked), picked.length);
            if (e.length != picked.length * embeddingDim) {
                throw new IllegalStateException(
                        "drift reference: embedding has "
                                + e.length / Math.max(1, picked.length)
                                + " values per sample, expected "
                                + embeddingDim);
            }
            addAll(b::addEmbeddings, e);
        }
        return b.setEmbeddingSamples(picked.length).setEmbeddingDim(embeddingDim).build();
    }

    @FunctionalInterface
    private interface Feature {
        float value(int row, int feature);
    }

    @FunctionalInterface
    private interface FloatSink {
        Object add(float v);
    }

    /** Per feature: the mean and the population standard deviation (two passes, in double). */
    static float[][] meanAndStd(int n, int features, Feature x, int[] rows) {
        double[] mean = new double[features];
        for (int row : rows) {
            for (int f = 0; f < features; f++) {
                mean[f] += x.value(row, f);
            }
        }
        for (int f = 0; f < features; f++) {
            mean[f] /= n;
        }
        double[] ss = new double[features];
        for (int row : rows) {
            for (int f = 0; f < features; f++) {
                double d = x.value(row, f) - mean[f];
                ss[f] += d * d;
            }
        }
        float[][] out = new float[2][features];
        for (int f = 0; f < features; f++) {
            out[0][f] = (float) mean[f];
            out[1][f] = (float) Math.sqrt(ss[f] / n);
        }
        return out;
    }

    /** Up to {@code k} of the rows, without repeats, by a seeded shuffle; in row order. */
    static int[] sample(int[] rows, int k, long seed) {
        int[] copy = rows.clone();
        Random r = new Random(seed);
        int take = Math.min(k, copy.length);
        for (int i = 0; i < take; i++) {
            int j = i + r.nextInt(copy.length - i);
            int t = copy[i];
            copy[i] = copy[j];
            copy[j] = t;
        }
        int[] out = Arrays.copyOf(copy, take);
        Arrays.sort(out);
        return out;
    }

    private static void addAll(FloatSink sink, float[] values) {
        for (float v : values) {
            sink.add(v);
        }
    }
}
