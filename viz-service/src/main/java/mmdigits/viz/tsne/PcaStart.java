package mmdigits.viz.tsne;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;

/**
 * The start of a t-SNE run: the rows projected on their first two principal components and scaled
 * down, so that the map starts from the data's global shape and the same data starts alike.
 */
final class PcaStart {
    /** Row blocks of the covariance: a fixed split, so that the sums do not depend on threads. */
    private static final int COVARIANCE_BLOCKS = 8;

    private PcaStart() {}

    /**
     * The sample covariance, accumulated row by row (each row's outer product into the upper
     * triangle, which stays in cache) in fixed blocks of rows summed in order: 70,000 × 192 in a
     * fraction of a second, where a pass over all rows per pair of columns took seconds.
     */
    static double[][] covariance(double[][] x, double[] mean) {
        int n = x.length;
        int d = mean.length;
        double[][][] blocks = new double[COVARIANCE_BLOCKS][][];
        IntStream.range(0, COVARIANCE_BLOCKS)
                .parallel()
                .forEach(
                        c -> {
                            double[][] sum = new double[d][d];
                            double[] v = new double[d];
                            for (int i = (int) ((long) c * n / COVARIANCE_BLOCKS);
                                    i < (int) ((long) (c + 1) * n / COVARIANCE_BLOCKS);
                                    i++) {
                                for (int j = 0; j < d; j++) {
                                    v[j] = x[i][j] - mean[j];
                                }
                                for (int a = 0; a < d; a++) {
                                    double va = v[a];
                                    double[] row = sum[a];
                                    for (int b = a; b < d; b++) {
                                        row[b] += va * v[b];
                                    }
                                }
                            }
                            blocks[c] = sum;
                        });
        double[][] cov = new double[d][d];
        for (int a = 0; a < d; a++) {
            for (int b = a; b < d; b++) {
                double s = 0;
                for (double[][] block : blocks) {
                    s += block[a][b];
                }
                cov[a][b] = s / Math.max(1, n - 1);
                cov[b][a] = cov[a][b];
            }
        }
        return cov;
    }

    /** The first two principal components, scaled so that the first has standard deviation 1e-4. */
    static double[] of(double[][] x) {
        double[] mean = mean(x);
        double[][] axes = principalAxes(covariance(x, mean));
        return scaled(project(x, mean, axes[0], axes[1]), x.length);
    }

    private static double[] mean(double[][] x) {
        int n = x.length;
        double[] mean = new double[x[0].length];
        for (double[] row : x) {
            for (int j = 0; j < mean.length; j++) {
                mean[j] += row[j] / n;
            }
        }
        return mean;
    }

    /**
     * The two eigenvectors of the largest eigenvalues (the one axis twice in one dimension), with a
     * deterministic sign: the largest component of each axis positive.
     */
    private static double[][] principalAxes(double[][] cov) {
        int d = cov.length;
        EigenDecomposition eig = new EigenDecomposition(MatrixUtils.createRealMatrix(cov));
        double[] values = eig.getRealEigenvalues();
        Integer[] order = new Integer[d];
        for (int i = 0; i < d; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
        double[] c0 = eig.getEigenvector(order[0]).toArray();
        double[] c1 = eig.getEigenvector(d > 1 ? order[1] : order[0]).toArray();
        return new double[][] {signFixed(c0), signFixed(c1)};
    }

    /** The centred rows on the two axes, flattened N×2. */
    private static double[] project(double[][] x, double[] mean, double[] c0, double[] c1) {
        int n = x.length;
        double[] y = new double[2 * n];
        for (int i = 0; i < n; i++) {
            double s0 = 0;
            double s1 = 0;
            for (int j = 0; j < mean.length; j++) {
                double v = x[i][j] - mean[j];
                s0 += v * c0[j];
                s1 += v * c1[j];
            }
            y[2 * i] = s0;
            y[2 * i + 1] = s1;
        }
        return y;
    }

    /** y scaled so that its first coordinate's standard deviation is 1e-4 (in place). */
    private static double[] scaled(double[] y, int n) {
        double m = 0;
        for (int i = 0; i < n; i++) {
            m += y[2 * i] / n;
        }
        double var = 0;
        for (int i = 0; i < n; i++) {
            var += (y[2 * i] - m) * (y[2 * i] - m) / n;
        }
        double scale = var > 0 ? 1e-4 / Math.sqrt(var) : 1.0;
        if (var <= 0) { // all points identical along every axis: tiny random start instead
            Random r = new Random(0);
            for (int i = 0; i < y.length; i++) {
                y[i] = r.nextGaussian() * 1e-4;
            }
            return y;
        }
        for (int i = 0; i < y.length; i++) {
            y[i] *= scale;
        }
        return y;
    }

    private static double[] signFixed(double[] v) {
        int arg = 0;
        for (int i = 1; i < v.length; i++) {
            if (Math.abs(v[i]) > Math.abs(v[arg])) {
                arg = i;
            }
        }
        if (v[arg] < 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] = -v[i];
            }
        }
        return v;
    }
}
