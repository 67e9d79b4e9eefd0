package mmdigits.viz.tsne;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;

/**
 * t-distributed stochastic neighbour embedding to 2-D (van der Maaten and Hinton 2008; Barnes-Hut
 * approximation, van der Maaten 2014), with the optimiser of scikit-learn: momentum 0.5 during
 * early exaggeration then 0.8, adaptive gains (min 0.01), PCA initialisation scaled to std 1e-4.
 * Exact gradients for small N; for larger N the input affinities use the 3·perplexity nearest
 * neighbours (vantage-point tree; a random-projection forest from {@code
 * approximateNeighboursFrom}) and the repulsion a quadtree with angle θ, or from {@code fftFrom}
 * points FFT-accelerated interpolation (FIt-SNE, Linderman et al. 2019). All use all cores.
 */
public final class Tsne {
    /** One progress report: iteration (1-based) and the KL divergence of the current embedding. */
    public record Progress(int iteration, int iterations, double kl) {}

    /**
     * How the gradient is computed: all pairs, Barnes-Hut quadtree, or FFT-accelerated
     * interpolation.
     */
    public enum Gradient {
        EXACT("exact"),
        BARNES_HUT("barnes-hut"),
        FFT("fft-interpolation");

        private final String label;

        Gradient(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * The result: N×2 coordinates, the final KL divergence, the gradient used and whether the
     * neighbours were approximate.
     */
    public record Result(
            double[][] embedding,
            double kl,
            Gradient gradient,
            boolean approximateNeighbours,
            double affinitySeconds) {
        public boolean exact() {
            return gradient == Gradient.EXACT;
        }
    }

    private Tsne() {}

    public static Result run(double[][] x, TsneConfig config, Consumer<Progress> progress) {
        int n = x.length;
        if (n < 4) {
            throw new IllegalArgumentException("t-SNE needs at least 4 points, got " + n);
        }
        double perplexity = Math.min(config.perplexity(), (n - 1) / 3.0);
        Gradient method = config.gradient(n);
        boolean exact = method == Gradient.EXACT;
        boolean approximate = !exact && n >= config.approximateNeighboursFrom();
        long start = System.nanoTime();
        Affinities p =
                exact
                        ? Affinities.dense(x, perplexity)
                        : Affinities.sparse(x, perplexity, config.seed(), approximate);
        double affinitySeconds = (System.nanoTime() - start) / 1e9;
        double[] y = pcaInit(x);
        double eta = config.learningRate(n);
        double[] update = new double[2 * n];
        double[] gains = new double[2 * n];
        Arrays.fill(gains, 1.0);
        double[] grad = new double[2 * n];
        double kl = Double.NaN;
        FftRepulsion fft = method == Gradient.FFT ? new FftRepulsion() : null;
        for (int it = 0; it < config.iterations(); it++) {
            boolean early = it < config.exaggerationIterations();
            double exaggeration = early ? config.earlyExaggeration() : 1.0;
            double momentum = early ? 0.5 : 0.8;
            double z =
                    switch (method) {
                        case EXACT -> exactGradient(p.dense, y, exaggeration, grad);
                        case BARNES_HUT -> bhGradient(p, y, exaggeration, config.theta(), grad);
                        case FFT -> fftGradient(p, y, exaggeration, grad, fft);
                    };
            if ((it + 1) % 50 == 0 || it + 1 == config.iterations()) {
                // the embedding the gradient was taken at, with the gradient pass's Z: no extra
                // repulsion pass for the figure
                kl = exact ? exactKl(p.dense, y) : sparseKl(p, y, z);
                if (progress != null) {
                    progress.accept(new Progress(it + 1, config.iterations(), kl));
                }
            }
            for (int i = 0; i < 2 * n; i++) {
                boolean sameSign =
                        update[i] * grad[i] < 0; // moving against the gradient: keep going faster
                gains[i] = sameSign ? gains[i] + 0.2 : gains[i] * 0.8;
                gains[i] = Math.max(gains[i], 0.01);
                update[i] = momentum * update[i] - eta * gains[i] * grad[i];
                y[i] += update[i];
            }
        }
        double[][] out = new double[n][2];
        for (int i = 0; i < n; i++) {
            out[i][0] = y[2 * i];
            out[i][1] = y[2 * i + 1];
        }
        return new Result(out, kl, method, approximate, affinitySeconds);
    }

    /** Row blocks of the covariance: a fixed split, so that the sums do not depend on threads. */
    private static final int COVARIANCE_BLOCKS = 8;

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
    static double[] pcaInit(double[][] x) {
        int n = x.length;
        int d = x[0].length;
        double[] mean = new double[d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j] / n;
            }
        }
        double[][] cov = covariance(x, mean);
        EigenDecomposition eig = new EigenDecomposition(MatrixUtils.createRealMatrix(cov));
        double[] values = eig.getRealEigenvalues();
        Integer[] order = new Integer[d];
        for (int i = 0; i < d; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
        double[] c0 = eig.getEigenvector(order[0]).toArray();
        double[] c1 = eig.getEigenvector(d > 1 ? order[1] : order[0]).toArray();
        // a deterministic sign: the largest component of each axis positive
        c0 = signFixed(c0);
        c1 = signFixed(c1);
        double[] y = new double[2 * n];
        for (int i = 0; i < n; i++) {
            double s0 = 0;
            double s1 = 0;
            for (int j = 0; j < d; j++) {
                double v = x[i][j] - mean[j];
                s0 += v * c0[j];
                s1 += v * c1[j];
            }
            y[2 * i] = s0;
            y[2 * i + 1] = s1;
        }
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

    /**
     * Exact gradient of KL(P‖Q) with respect to y (flattened N×2), P multiplied by the
     * exaggeration; returns Z = Σ_{i≠j} w_ij.
     */
    static double exactGradient(double[][] p, double[] y, double exaggeration, double[] grad) {
        int n = p.length;
        double[][] w = new double[n][];
        double[] zParts = new double[n];
        IntStream.range(0, n)
                .parallel()
                .forEach(
                        i -> {
                            double[] row = new double[n];
                            double z = 0;
                            for (int j = 0; j < n; j++) {
                                if (j != i) {
                                    double dx = y[2 * i] - y[2 * j];
                                    double dy = y[2 * i + 1] - y[2 * j + 1];
                                    row[j] = 1.0 / (1.0 + dx * dx + dy * dy);
                                    z += row[j];
                                }
                            }
                            w[i] = row;
                            zParts[i] = z;
                        });
        double z = Arrays.stream(zParts).sum();
        IntStream.range(0, n)
                .parallel()
                .forEach(
                        i -> {
                            double gx = 0;
                            double gy = 0;
                            for (int j = 0; j < n; j++) {
                                if (j != i) {
                                    double m = (exaggeration * p[i][j] - w[i][j] / z) * w[i][j];
                                    gx += m * (y[2 * i] - y[2 * j]);
                                    gy += m * (y[2 * i + 1] - y[2 * j + 1]);
                                }
                            }
                            grad[2 * i] = 4 * gx;
                            grad[2 * i + 1] = 4 * gy;
                        });
        return z;
    }

    /** KL(P‖Q) = Σ p_ij log(p_ij / q_ij) with dense P. */
    static double exactKl(double[][] p, double[] y) {
        int n = p.length;
        double z = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i != j) {
                    z += w(y, i, j);
                }
            }
        }
        double kl = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i != j && p[i][j] > 0) {
                    kl += p[i][j] * Math.log(p[i][j] / (w(y, i, j) / z));
                }
            }
        }
        return kl;
    }

    private static double w(double[] y, int i, int j) {
        double dx = y[2 * i] - y[2 * j];
        double dy = y[2 * i + 1] - y[2 * j + 1];
        return 1.0 / (1.0 + dx * dx + dy * dy);
    }

    /**
     * Barnes-Hut gradient: exact attraction over the sparse P, quadtree repulsion; returns the
     * quadtree's Z.
     */
    static double bhGradient(
            Affinities p, double[] y, double exaggeration, double theta, double[] grad) {
        int n = p.rows.length - 1;
        QuadTree tree = QuadTree.build(y, n);
        double[] negX = new double[n];
        double[] negY = new double[n];
        double[] zParts = new double[n];
        IntStream.range(0, n)
                .parallel()
                .forEach(
                        i -> {
                            double[] neg = new double[2];
                            zParts[i] = tree.repulsion(y, i, theta, neg);
                            negX[i] = neg[0];
                            negY[i] = neg[1];
                        });
        double z = Arrays.stream(zParts).sum();
        attraction(p, y, exaggeration, grad);
        for (int i = 0; i < n; i++) {
            grad[2 * i] = 4 * (grad[2 * i] - negX[i] / z);
            grad[2 * i + 1] = 4 * (grad[2 * i + 1] - negY[i] / z);
        }
        return z;
    }

    /**
     * FFT gradient: exact attraction over the sparse P, repulsion and Z by FFT-accelerated
     * interpolation in the run's workspace; returns Z.
     */
    static double fftGradient(
            Affinities p, double[] y, double exaggeration, double[] grad, FftRepulsion fft) {
        double[] rep = new double[y.length];
        double z = fft.apply(y, rep);
        attraction(p, y, exaggeration, grad);
        for (int i = 0; i < grad.length; i++) {
            grad[i] = 4 * (grad[i] - rep[i] / z);
        }
        return z;
    }

    /** Σ_j exaggeration·p_ij·w_ij·(y_i − y_j) over the sparse P, into out (flattened N×2). */
    private static void attraction(Affinities p, double[] y, double exaggeration, double[] out) {
        int n = p.rows.length - 1;
        IntStream.range(0, n)
                .parallel()
                .forEach(
                        i -> {
                            double ax = 0;
                            double ay = 0;
                            for (int e = p.rows[i]; e < p.rows[i + 1]; e++) {
                                int j = p.cols[e];
                                double dx = y[2 * i] - y[2 * j];
                                double dy = y[2 * i + 1] - y[2 * j + 1];
                                double m = exaggeration * p.values[e] / (1.0 + dx * dx + dy * dy);
                                ax += m * dx;
                                ay += m * dy;
                            }
                            out[2 * i] = ax;
                            out[2 * i + 1] = ay;
                        });
    }

    /** KL over the sparse P, with Z = Σ_{i≠j} w_ij as given (an approximation's). */
    static double sparseKl(Affinities p, double[] y, double z) {
        int n = p.rows.length - 1;
        double kl = 0;
        for (int i = 0; i < n; i++) {
            for (int e = p.rows[i]; e < p.rows[i + 1]; e++) {
                if (p.values[e] > 0) {
                    kl += p.values[e] * Math.log(p.values[e] / (w(y, i, p.cols[e]) / z));
                }
            }
        }
        return kl;
    }
}
