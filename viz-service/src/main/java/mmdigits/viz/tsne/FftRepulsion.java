package mmdigits.viz.tsne;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The repulsive forces of t-SNE by FFT-accelerated interpolation (Linderman, Rachh, Hoskins,
 * Steinerberger and Kluger, "Fast interpolation-based t-SNE for improved visualization of
 * single-cell RNA-seq data", Nature Methods 2019): the embedding's bounding square is cut into
 * boxes with {@value #NODES}×{@value #NODES} equispaced interpolation nodes each; every point
 * spreads its charges onto the nodes of its box with Lagrange weights; the kernels are applied
 * between all nodes at once as convolutions (FFTs by JTransforms); the potentials are interpolated
 * back to the points (Z by Parseval, without going back). The grids are single precision (a quarter
 * faster than double, measured; its rounding far below the interpolation's error). With w(d) =
 * 1/(1+|d|²) the kernel w gives Σ_j w_ij, hence Z = Σ_{i≠j} w_ij, and the vector kernel w(d)²·d (as
 * one complex kernel: x real, y imaginary) gives the repulsion Σ_j w_ij² (y_i − y_j) directly —
 * unlike FIt-SNE's charges 1, x, y, x²+y² under w², whose sums cancel to far fewer digits once the
 * map spreads over tens of units. O(N + G log G) for G grid nodes; the grids are reused from one
 * iteration to the next.
 */
final class FftRepulsion {
    /** Interpolation nodes per box and dimension (FIt-SNE's default). */
    static final int NODES = 3;

    /**
     * At least this many boxes per dimension; more as the embedding spreads (one per unit of
     * length).
     */
    static final int MIN_BOXES = 50;

    /** At most this many: past it boxes get wider than a unit and the interpolation coarser. */
    static final int MAX_BOXES = 200;

    /** Points per task when interpolating back (scratch arrays per task, not per point). */
    private static final int CHUNK = 1024;

    private static final double[] NODE_AT = new double[NODES];

    static {
        for (int k = 0; k < NODES; k++) {
            NODE_AT[k] = (k + 0.5) / NODES;
        }
    }

    /** The charges' transform (m×m complex), reused while the grid keeps its size. */
    private float[] spectrum = new float[0];

    /** The transform times the force kernel's, then the potentials (m×m complex), reused. */
    private float[] product = new float[0];

    /**
     * A workspace for one embedding run: its grids are reused from one iteration to the next
     * (reallocated only when the grid grows or shrinks).
     */
    FftRepulsion() {}

    /** {@link #apply} with a workspace of its own (for one-off calls). */
    static double repulsion(double[] y, double[] rep) {
        return new FftRepulsion().apply(y, rep);
    }

    /**
     * Fills {@code rep} (flattened N×2) with Σ_j w_ij² (y_i − y_j) and returns Z = Σ_{i≠j} w_ij,
     * for the embedding {@code y} (flattened N×2). One real forward and one complex inverse FFT: Z
     * is a sum over all nodes of charge × potential, which Parseval gives from the spectrum (Σ_f
     * |C_f|² K_f / m²; the Cauchy kernel's transform is positive, so nothing cancels) without
     * transforming the potential back.
     */
    double apply(double[] y, double[] rep) {
        int n = y.length / 2;
        Square square = Square.around(y, n);
        double boxWidth = boxWidth(square.side());
        int boxes = boxes(square.side(), boxWidth);
        int grid = boxes * NODES;
        Weights w = weights(y, n, square.minX(), square.minY(), boxWidth);
        int m = 2 * grid; // zero-padded: a circular convolution of length 2·grid is the
        // linear one on the grid
        double h = boxWidth / NODES;
        float[][] kernels = FftKernels.of(grid, h);
        transformCharges(w, n, m);
        double z = allPairs(kernels[0], m);
        convolveForce(kernels[1], m);
        for (double s : interpolateBack(w, n, m, nearKernel(h), rep)) {
            z -= s;
        }
        return z;
    }

    /** The embedding's bounding square: its lower corner and side (never 0). */
    private record Square(double minX, double minY, double side) {
        static Square around(double[] y, int n) {
            double minX = Double.POSITIVE_INFINITY;
            double minY = Double.POSITIVE_INFINITY;
            double maxX = Double.NEGATIVE_INFINITY;
            double maxY = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                minX = Math.min(minX, y[2 * i]);
                maxX = Math.max(maxX, y[2 * i]);
                minY = Math.min(minY, y[2 * i + 1]);
                maxY = Math.max(maxY, y[2 * i + 1]);
            }
            return new Square(minX, minY, Math.max(Math.max(maxX - minX, maxY - minY), 1e-9));
        }
    }

    /**
     * Fills {@code rep} from the potentials on the grid, chunk by chunk in parallel, and returns
     * each chunk's sum of the points' self-interactions (to be taken out of Z).
     */
    private double[] interpolateBack(Weights w, int n, int m, double[] near, double[] rep) {
        int chunks = (n + CHUNK - 1) / CHUNK;
        double[] selfZ = new double[chunks];
        IntStream.range(0, chunks)
                .parallel()
                .forEach(
                        c -> {
                            double[] xs = new double[2 * NODES - 1];
                            double[] ys = new double[2 * NODES - 1];
                            double sum = 0;
                            for (int i = c * CHUNK; i < Math.min(n, (c + 1) * CHUNK); i++) {
                                interpolateForce(w, i, m, rep);
                                sum += selfInteraction(near, w, i, xs, ys);
                            }
                            selfZ[c] = sum;
                        });
        return selfZ;
    }

    /** The kernel w at the node offsets within one box, (dx, dy) in [−(NODES−1), NODES−1]². */
    private static double[] nearKernel(double h) {
        int span = 2 * NODES - 1;
        double[] k = new double[span * span];
        for (int a = 0; a < span; a++) {
            double da = (a - NODES + 1) * h;
            for (int b = 0; b < span; b++) {
                double db = (b - NODES + 1) * h;
                k[a * span + b] = 1 / (1 + da * da + db * db);
            }
        }
        return k;
    }

    /**
     * The point's interaction with itself as the interpolation computed it (spread to the nodes of
     * its box, the kernel between them, interpolated back) — an error of the order of the kernel's
     * curvature times the node spacing, per point — taken out of Z so that it sums over j ≠ i only.
     * Its force on itself is zero exactly (the weights' products are even in the node offset, the
     * kernel w²·d odd), so the force needs no correction. Σ_{a,b,c,d} lx_a ly_b lx_c ly_d w((a−c)h,
     * (b−d)h) = Σ_{p,q} X_p Y_q w(ph, qh) with X_p = Σ_{a−c=p} lx_a lx_c (Y alike): (2·NODES−1)²
     * terms instead of NODES⁴. {@code xs}, {@code ys}: scratch of 2·NODES−1.
     */
    private static double selfInteraction(
            double[] near, Weights w, int i, double[] xs, double[] ys) {
        int span = 2 * NODES - 1;
        int wx = 2 * i * NODES;
        int wy = (2 * i + 1) * NODES;
        Arrays.fill(xs, 0);
        Arrays.fill(ys, 0);
        for (int a = 0; a < NODES; a++) {
            for (int c = 0; c < NODES; c++) {
                xs[a - c + NODES - 1] += w.weight[wx + a] * w.weight[wx + c];
                ys[a - c + NODES - 1] += w.weight[wy + a] * w.weight[wy + c];
            }
        }
        double self = 0;
        for (int p = 0; p < span; p++) {
            for (int q = 0; q < span; q++) {
                self += xs[p] * ys[q] * near[p * span + q];
            }
        }
        return self;
    }

    /**
     * The width of a box: 1 once the map spans MIN_BOXES units, below that spread / MIN_BOXES
     * rounded up to a power of 1.05 — so that the node spacing, hence the kernels' transforms,
     * repeat from one iteration to the next (cached).
     */
    static double boxWidth(double spread) {
        if (spread >= MIN_BOXES) {
            return Math.max(1, spread / MAX_BOXES * (1 + 1e-9));
        }
        return Math.pow(1.05, Math.ceil(Math.log(spread / MIN_BOXES) / Math.log(1.05) + 1e-12))
                * (1 + 1e-9);
    }

    /**
     * Boxes per dimension to cover the spread, at least MIN_BOXES, of a size FFTs like
     * (2^a·3^b·5^c).
     */
    static int boxes(double spread, double boxWidth) {
        int b = Math.max(MIN_BOXES, (int) Math.floor(spread / boxWidth) + 1);
        while (!smooth(b)) {
            b++;
        }
        return b;
    }

    private static boolean smooth(int v) {
        for (int f : new int[] {2, 3, 5}) {
            while (v % f == 0) {
                v /= f;
            }
        }
        return v == 1;
    }

    /**
     * Each point's first grid node (x and y) and its Lagrange weights on the NODES nodes of its
     * box, per dimension.
     */
    private record Weights(int[] node, double[] weight) {}

    private static Weights weights(double[] y, int n, double minX, double minY, double boxWidth) {
        int[] node = new int[2 * n];
        double[] weight = new double[2 * n * NODES];
        IntStream.range(0, n)
                .parallel()
                .forEach(
                        i -> {
                            for (int d = 0; d < 2; d++) {
                                double u = (y[2 * i + d] - (d == 0 ? minX : minY)) / boxWidth;
                                int box = (int) u;
                                node[2 * i + d] = box * NODES;
                                lagrange(u - box, weight, (2 * i + d) * NODES);
                            }
                        });
        return new Weights(node, weight);
    }

    /** The Lagrange basis polynomials of the nodes at (k + 0.5)/NODES, evaluated at u in [0, 1]. */
    static void lagrange(double u, double[] out, int at) {
        for (int k = 0; k < NODES; k++) {
            double l = 1;
            for (int j = 0; j < NODES; j++) {
                if (j != k) {
                    l *= (u - NODE_AT[j]) / (NODE_AT[k] - NODE_AT[j]);
                }
            }
            out[at + k] = l;
        }
    }

    /**
     * The unit charges of the points on the grid nodes (an m×m real array), transformed into {@link
     * #spectrum} (m×m complex).
     */
    private void transformCharges(Weights w, int n, int m) {
        if (spectrum.length != m * 2 * m) {
            spectrum = new float[m * 2 * m];
            product = new float[m * 2 * m];
        } else {
            Arrays.fill(spectrum, 0, m * m, 0f);
        }
        float[] a = spectrum;
        for (int i = 0; i < n; i++) {
            int gx = w.node[2 * i];
            int gy = w.node[2 * i + 1];
            int wx = 2 * i * NODES;
            int wy = (2 * i + 1) * NODES;
            for (int k = 0; k < NODES; k++) {
                double lx = w.weight[wx + k];
                int row = (gx + k) * m;
                for (int l = 0; l < NODES; l++) {
                    a[row + gy + l] += (float) (lx * w.weight[wy + l]);
                }
            }
        }
        FftKernels.plan(m).realForwardFull(a);
    }

    /**
     * Σ over node pairs of charge × kernel × charge = Σ_{i,j} w_ij as interpolated (self pairs
     * included), by Parseval from the charges' transform: Σ_f |C_f|² K_f / m².
     */
    private double allPairs(float[] kernelHat, int m) {
        float[] c = spectrum;
        double sum = 0;
        for (int i = 0; i < c.length; i += 2) {
            sum += ((double) c[i] * c[i] + (double) c[i + 1] * c[i + 1]) * kernelHat[i];
        }
        return sum / ((double) m * m);
    }

    /**
     * The circular convolution of the charges (transformed, in {@link #spectrum}) with the force
     * kernel (transformed), into {@link #product}: x real, y imaginary.
     */
    private void convolveForce(float[] kernelHat, int m) {
        float[] c = spectrum;
        float[] a = product;
        for (int i = 0; i < a.length; i += 2) {
            a[i] = c[i] * kernelHat[i] - c[i + 1] * kernelHat[i + 1];
            a[i + 1] = c[i] * kernelHat[i + 1] + c[i + 1] * kernelHat[i];
        }
        FftKernels.plan(m).complexInverse(a, true);
    }

    /** The two components of Σ_j w_ij²(y_i − y_j) at point i, from the nodes of its box. */
    private void interpolateForce(Weights w, int i, int m, double[] rep) {
        int gx = w.node[2 * i];
        int gy = w.node[2 * i + 1];
        int wx = 2 * i * NODES;
        int wy = (2 * i + 1) * NODES;
        double fx = 0;
        double fy = 0;
        float[] b = product;
        for (int k = 0; k < NODES; k++) {
            double lx = w.weight[wx + k];
            int row = (gx + k) * 2 * m;
            for (int l = 0; l < NODES; l++) {
                double f = lx * w.weight[wy + l];
                int at = row + 2 * (gy + l);
                fx += f * b[at];
                fy += f * b[at + 1];
            }
        }
        rep[2 * i] = fx;
        rep[2 * i + 1] = fy;
    }

    /** Exact Σ_j w_ij² (y_i − y_j) and Z, for tests and small N: O(N²). */
    static double exactRepulsion(double[] y, double[] rep) {
        int n = y.length / 2;
        Arrays.fill(rep, 0);
        double[] zParts = new double[n];
        IntStream.range(0, n)
                .parallel()
                .forEach(
                        i -> {
                            double z = 0;
                            double rx = 0;
                            double ry = 0;
                            for (int j = 0; j < n; j++) {
                                if (j != i) {
                                    double dx = y[2 * i] - y[2 * j];
                                    double dy = y[2 * i + 1] - y[2 * j + 1];
                                    double q = 1 / (1 + dx * dx + dy * dy);
                                    z += q;
                                    rx += q * q * dx;
                                    ry += q * q * dy;
                                }
                            }
                            zParts[i] = z;
                            rep[2 * i] = rx;
                            rep[2 * i + 1] = ry;
                        });
        return Arrays.stream(zParts).sum();
    }
}
