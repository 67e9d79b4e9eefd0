package mmdigits.common.audio;

/**
 * Band-limited resampling by windowed-sinc interpolation (Blackman window, 16 zero crossings each
 * side, kernel tabulated at 1/512 of a zero crossing and interpolated linearly), with the cut-off
 * lowered to the new Nyquist frequency when downsampling.
 */
public final class Resampler {
    private static final int ZERO_CROSSINGS = 16;
    private static final int STEPS = 512;

    /**
     * kernel(u) for u = 0 .. ZERO_CROSSINGS in STEPS steps per zero crossing (u in units of the
     * cut-off period).
     */
    private static final float[] KERNEL = new float[ZERO_CROSSINGS * STEPS + 2];

    static {
        for (int i = 0; i < KERNEL.length; i++) {
            double u = i / (double) STEPS;
            double sinc = u == 0 ? 1.0 : Math.sin(Math.PI * u) / (Math.PI * u);
            double w =
                    u >= ZERO_CROSSINGS
                            ? 0
                            : 0.42
                                    + 0.5 * Math.cos(Math.PI * u / ZERO_CROSSINGS)
                                    + 0.08 * Math.cos(2 * Math.PI * u / ZERO_CROSSINGS);
            KERNEL[i] = (float) (sinc * w);
        }
    }

    private Resampler() {}

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
        double scale = cutoff * STEPS;
        for (int i = 0; i < n; i++) {
            double t = i / factor; // position in the input
            int lo = Math.max(0, (int) Math.ceil(t - halfWidth));
            int hi = Math.min(x.length - 1, (int) Math.floor(t + halfWidth));
            double acc = 0;
            for (int k = lo; k <= hi; k++) {
                double pos = Math.abs(t - k) * scale;
                int j = (int) pos;
                if (j >= KERNEL.length - 1) {
                    continue;
                }
                double frac = pos - j;
                acc += x[k] * (KERNEL[j] + frac * (KERNEL[j + 1] - KERNEL[j]));
            }
            y[i] = (float) (acc * cutoff);
        }
        return y;
    }
}
