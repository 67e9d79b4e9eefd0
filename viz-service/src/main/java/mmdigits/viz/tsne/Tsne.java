package mmdigits.viz.tsne;

import java.util.Arrays;
import java.util.function.Consumer;
import java.util.stream.IntStream;

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
        double[] y = PcaStart.of(x);
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
            descend(y, grad, update, gains, momentum, eta);
        }
        return new Result(rows(y, n), kl, method, approximate, affinitySeconds);
    }

    /**
     * One step of gradient descent with momentum and per-coordinate gains (larger while a
     * coordinate keeps moving the same way).
     */
    private static void descend(
            double[] y,
            double[] grad,
            double[] update,
            double[] gains,
            double momentum,
            double eta) {
        for (int i = 0; i < y.length; i++) {
            boolean sameSign =
                    update[i] * grad[i] < 0; // moving against the gradient: keep going faster
            gains[i] = sameSign ? gains[i] + 0.2 : gains[i] * 0.8;
            gains[i] = Math.max(gains[i], 0.01);
            update[i] = momentum * update[i] - eta * gains[i] * grad[i];
            y[i] += update[i];
        }
    }

    /** The flattened N×2 embedding as N rows. */
    private static double[][] rows(double[] y, int n) {
        double[][] out = new double[n][2];
        for (int i = 0; i < n; i++) {
            out[i][0] = y[2 * i];
            out[i][1] = y[2 * i + 1];
        }
        return out;
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
