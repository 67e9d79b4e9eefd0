package mmdigits.viz.drift;

/**
 * How far a window of raw inputs (one modality) has moved from the training split's per-feature
 * statistics: for each feature the 2-Wasserstein distance between the Gaussians of the same mean
 * and standard deviation, in units of the training standard deviation, {@code sqrt(((μ − μ₀)/σ₀)² +
 * ((σ − σ₀)/σ₀)²)}, averaged over the features. A mean that moves (an offset, a louder channel) and
 * a spread that grows (added noise) both count. Features that were constant in training (σ₀ = 0,
 * e.g. MNIST's border pixels) are left out: any change there would be infinite.
 */
public final class InputShift {
    private InputShift() {}

    /**
     * The shift of {@code rows} (each of the reference's width) from the training {@code mean} and
     * {@code std}.
     */
    public static double of(float[][] rows, float[] mean, float[] std) {
        if (rows.length < 2) {
            throw new IllegalArgumentException(
                    "an input shift needs at least 2 samples, got " + rows.length);
        }
        int features = mean.length;
        double sum = 0;
        int counted = 0;
        for (int f = 0; f < features; f++) {
            if (std[f] > 0) {
                sum += featureShift(rows, f, mean[f], std[f]);
                counted++;
            }
        }
        return counted == 0 ? 0 : sum / counted;
    }

    private static double featureShift(float[][] rows, int f, double mean0, double std0) {
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
        double dm = (m - mean0) / std0;
        double ds = (s - std0) / std0;
        return Math.sqrt(dm * dm + ds * ds);
    }
}
