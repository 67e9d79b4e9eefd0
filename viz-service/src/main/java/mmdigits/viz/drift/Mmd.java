package mmdigits.viz.drift;

import java.util.Arrays;

/**
 * The maximum mean discrepancy between two samples with a Gaussian (RBF) kernel {@code k(a, b) =
 * exp(-|a - b|² / (2σ²))}: the unbiased estimate MMD²_u of Gretton et al. (JMLR 2012, eq. 3), which
 * is about 0 (and may be slightly negative) when both samples come from one distribution. The
 * bandwidth σ is the median heuristic: the median distance between distinct points of the reference
 * sample.
 */
public final class Mmd {
    private Mmd() {}

    /** MMD²_u of x and y (rows are points), with bandwidth {@code sigma}. */
    public static double unbiasedSquared(float[][] x, float[][] y, double sigma) {
        if (x.length < 2 || y.length < 2) {
            throw new IllegalArgumentException(
                    "MMD needs at least 2 points per sample, got " + x.length + " and " + y.length);
        }
        double gamma = 1 / (2 * sigma * sigma);
        int m = x.length;
        int n = y.length;
        double xx = withinSum(x, gamma) / ((double) m * (m - 1));
        double yy = withinSum(y, gamma) / ((double) n * (n - 1));
        double xy = 0;
        for (float[] a : x) {
            for (float[] b : y) {
                xy += Math.exp(-gamma * squaredDistance(a, b));
            }
        }
        return xx + yy - 2 * xy / ((double) m * n);
    }

    /** The sum of k over ordered pairs of distinct points (twice the sum over i < j). */
    private static double withinSum(float[][] x, double gamma) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = i + 1; j < x.length; j++) {
                s += Math.exp(-gamma * squaredDistance(x[i], x[j]));
            }
        }
        return 2 * s;
    }

    /** The median of |a - b| over pairs of distinct points (the lower median for an even count). */
    public static double medianDistance(float[][] x) {
        int pairs = x.length * (x.length - 1) / 2;
        if (pairs == 0) {
            throw new IllegalArgumentException("the median distance needs at least 2 points");
        }
        double[] d = new double[pairs];
        int k = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = i + 1; j < x.length; j++) {
                d[k++] = Math.sqrt(squaredDistance(x[i], x[j]));
            }
        }
        Arrays.sort(d);
        return d[(pairs - 1) / 2];
    }

    static double squaredDistance(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException(
                    "points of different widths: " + a.length + " and " + b.length);
        }
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return s;
    }
}
