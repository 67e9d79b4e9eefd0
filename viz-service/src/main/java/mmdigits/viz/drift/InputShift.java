package mmdigits.viz.drift;

import java.util.Arrays;

/**
 * How far a window of raw inputs (one modality) has moved from the training split's per-feature
 * statistics: for each feature the 2-Wasserstein distance between the Gaussians of the same mean
 * and standard deviation, in units of the training standard deviation, {@code sqrt(((μ − μ₀)/σ₀')²
 * + ((σ − σ₀)/σ₀')²)}, averaged over the features. A mean that moves (an offset, a louder channel)
 * and a spread that grows (added noise) both count. {@code σ₀'} is σ₀ floored at the median σ₀ of
 * the modality's non-constant features: a feature that is nearly constant in training (MNIST's
 * border pixels, lit in a few images) would otherwise turn one lit pixel of the live window into a
 * huge shift (on the demo data the unfloored image measure is 0.43 on its own test split and 0.31
 * between two halves of its training split; floored 0.058 and 0.050, docs/drift.md).
 */
public final class InputShift {
    private InputShift() {}

    /**
     * The shift of {@code rows} (each of the reference's width) from the training {@code mean} and
     * {@code std}; NaN when every feature was constant in training.
     */
    public static double of(float[][] rows, float[] mean, float[] std) {
        if (rows.length < 2) {
            throw new IllegalArgumentException(
                    "an input shift needs at least 2 samples, got " + rows.length);
        }
        double floor = medianOfPositive(std);
        if (!(floor > 0)) {
            return Double.NaN;
        }
        double sum = 0;
        for (int f = 0; f < mean.length; f++) {
            sum += featureShift(rows, f, mean[f], std[f], Math.max(std[f], floor));
        }
        return sum / mean.length;
    }

    /** The median of the positive values (the mean of the middle two for an even count), or NaN. */
    static double medianOfPositive(float[] values) {
        double[] positive = new double[values.length];
        int n = 0;
        for (float v : values) {
            if (v > 0) {
                positive[n++] = v;
            }
        }
        if (n == 0) {
            return Double.NaN;
        }
        Arrays.sort(positive, 0, n);
        return n % 2 == 1 ? positive[n / 2] : (positive[n / 2 - 1] + positive[n / 2]) / 2;
    }

    private static double featureShift(
            float[][] rows, int f, double mean0, double std0, double scale) {
        double m = 0;
        for (float[] r : rows) {
            m += r[f];
        }
        m /= rows.length;
        double ss = 0;
        for (float[] r : rows) {
            double d = r[f] - m;
            ss += d * d;
        }
        double s = Math.sqrt(ss / rows.length);
        double dm = (m - mean0) / scale;
        double ds = (s - std0) / scale;
        return Math.sqrt(dm * dm + ds * ds);
    }
}
