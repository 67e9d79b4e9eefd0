package mmdigits.common.audio;

/**
 * Band-limited resampling by windowed-sinc interpolation (Blackman window, 16 zero crossings each
 * side), with the cut-off lowered to the new Nyquist frequency when downsampling.
 */
public final class Resampler {
    private static final int ZERO_CROSSINGS = 16;

    private Resampler() {
    }

    public static float[] resample(float[] x, int fromRate, int toRate) {
        if (fromRate == toRate) {
            return x.clone();
        }
        return stretch(x, (double) toRate / fromRate);
    }

    /**
     * Resamples by {@code factor} (output length = input length × factor). Played at the original
     * rate, a factor below 1 is faster and higher, above 1 slower and lower (speed perturbation).
     */
    public static float[] stretch(float[] x, double factor) {
        int n = (int) Math.round(x.length * factor);
        float[] y = new float[n];
        double cutoff = Math.min(1.0, factor); // relative to the input Nyquist
        double halfWidth = ZERO_CROSSINGS / cutoff; // in input samples
        for (int i = 0; i < n; i++) {
            double t = i / factor; // position in the input
            int lo = (int) Math.ceil(t - halfWidth);
            int hi = (int) Math.floor(t + halfWidth);
            double acc = 0;
            for (int k = Math.max(0, lo); k <= Math.min(x.length - 1, hi); k++) {
                double d = t - k;
                double arg = Math.PI * d * cutoff;
                double sinc = Math.abs(arg) < 1e-12 ? 1.0 : Math.sin(arg) / arg;
                double w = 0.42 + 0.5 * Math.cos(Math.PI * d / halfWidth) + 0.08 * Math.cos(2 * Math.PI * d / halfWidth);
                acc += x[k] * sinc * w * cutoff;
            }
            y[i] = (float) acc;
        }
        return y;
    }
}
