package mmdigits.viz.tsne;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import mmdigits.viz.metrics.Metrics;
import org.apache.commons.math3.stat.correlation.Covariance;
import org.junit.jupiter.api.Test;

class TsneTest {

    static double[][] gaussians(
            int clusters, int perCluster, int dim, double spread, long seed, int[] labels) {
        Random r = new Random(seed);
        double[][] centres = new double[clusters][dim];
        for (double[] c : centres) {
            for (int j = 0; j < dim; j++) {
                c[j] = r.nextGaussian() * spread;
            }
        }
        double[][] x = new double[clusters * perCluster][dim];
        for (int i = 0; i < x.length; i++) {
            int c = i % clusters;
            if (labels != null) {
                labels[i] = c;
            }
            for (int j = 0; j < dim; j++) {
                x[i][j] = centres[c][j] + r.nextGaussian();
            }
        }
        return x;
    }

    static double[] randomY(int n, long seed) {
        Random r = new Random(seed);
        double[] y = new double[2 * n];
        for (int i = 0; i < y.length; i++) {
            y[i] = r.nextGaussian();
        }
        return y;
    }

    @Test
    void exactGradientEqualsFiniteDifferencesOfTheKlDivergence() {
        double[][] x = gaussians(3, 8, 5, 3, 1, null);
        Affinities p = Affinities.dense(x, 5);
        double[] y = randomY(x.length, 2);
        double[] grad = new double[y.length];
        Tsne.exactGradient(p.dense, y, 1.0, grad);
        double h = 1e-6;
        for (int i = 0; i < y.length; i++) {
            double keep = y[i];
            y[i] = keep + h;
            double up = Tsne.exactKl(p.dense, y);
            y[i] = keep - h;
            double down = Tsne.exactKl(p.dense, y);
            y[i] = keep;
            double numeric = (up - down) / (2 * h);
            assertThat(grad[i])
                    .as("coordinate %d", i)
                    .isCloseTo(numeric, within(1e-6 + 1e-4 * Math.abs(numeric)));
        }
    }

    @Test
    void affinitiesHaveThePerplexityAndSumToOne() {
        double[][] x = gaussians(4, 50, 10, 5, 3, null);
        double[] d2 = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            d2[j] = j == 0 ? Double.POSITIVE_INFINITY : Affinities.squared(x[0], x[j]);
        }
        double[] c = Affinities.conditional(d2, 20);
        double h = 0;
        double sum = 0;
        for (double v : c) {
            sum += v;
            h -= v > 0 ? v * Math.log(v) : 0;
        }
        assertThat(sum).isCloseTo(1.0, within(1e-12));
        assertThat(Math.exp(h)).isCloseTo(20.0, within(1e-3));
        Affinities dense = Affinities.dense(x, 20);
        assertThat(Arrays.stream(dense.dense).flatMapToDouble(Arrays::stream).sum())
                .isCloseTo(1.0, within(1e-9));
        Affinities sparse = Affinities.sparse(x, 20, 1);
        assertThat(Arrays.stream(sparse.values).sum()).isCloseTo(1.0, within(1e-9));
        for (int i = 0; i < x.length; i++) { // symmetric
            for (int e = sparse.rows[i]; e < sparse.rows[i + 1]; e++) {
                int j = sparse.cols[e];
                double back = 0;
                for (int f = sparse.rows[j]; f < sparse.rows[j + 1]; f++) {
                    if (sparse.cols[f] == i) {
                        back = sparse.values[f];
                    }
                }
                assertThat(back).isEqualTo(sparse.values[e]);
            }
        }
    }

    @Test
    void vantagePointTreeFindsTheExactNearestNeighbours() {
        double[][] x = gaussians(5, 80, 16, 4, 5, null);
        VpTree tree = new VpTree(x, 9);
        int k = 12;
        for (int q = 0; q < x.length; q += 7) {
            int[] idx = new int[k];
            double[] dist = new double[k];
            tree.search(q, k, idx, dist);
            List<double[]> all = new ArrayList<>();
            for (int j = 0; j < x.length; j++) {
                if (j != q) {
                    all.add(new double[] {VpTree.distance(x[q], x[j]), j});
                }
            }
            all.sort((a, b) -> Double.compare(a[0], b[0]));
            for (int i = 0; i < k; i++) {
                assertThat(dist[i]).isCloseTo(all.get(i)[0], within(1e-12));
            }
        }
    }

    @Test
    void barnesHutGradientIsCloseToTheExactOne() {
        double[][] x = gaussians(4, 50, 8, 4, 7, null);
        int n = x.length;
        Affinities dense = Affinities.dense(x, 10);
        // the same P in sparse form, so that only the repulsion is approximated
        Affinities sparse = Affinities.dense(x, 10);
        sparse.rows = new int[n + 1];
        sparse.cols = new int[n * (n - 1)];
        sparse.values = new double[n * (n - 1)];
        int at = 0;
        for (int i = 0; i < n; i++) {
            sparse.rows[i] = at;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    sparse.cols[at] = j;
                    sparse.values[at++] = dense.dense[i][j];
                }
            }
        }
        sparse.rows[n] = at;
        double[] y = randomY(n, 11);
        for (int i = 0; i < y.length; i++) {
            y[i] *= 5;
        }
        double[] exact = new double[2 * n];
        double[] bh = new double[2 * n];
        Tsne.exactGradient(dense.dense, y, 1, exact);
        double zBarnesHut = Tsne.bhGradient(sparse, y, 1, 0.5, bh);
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < exact.length; i++) {
            diff += (exact[i] - bh[i]) * (exact[i] - bh[i]);
            norm += exact[i] * exact[i];
        }
        assertThat(Math.sqrt(diff / norm))
                .as("relative error of the Barnes-Hut gradient")
                .isLessThan(0.05);
        // theta = 0 is exact
        Tsne.bhGradient(sparse, y, 1, 0.0, bh);
        for (int i = 0; i < exact.length; i++) {
            assertThat(bh[i]).isCloseTo(exact[i], within(1e-9));
        }
        // the KL divergence with Z from the same gradient pass (theta 0.5) is within 1 %
        double klExact = Tsne.exactKl(dense.dense, y);
        assertThat(Tsne.sparseKl(sparse, y, zBarnesHut)).isCloseTo(klExact, within(0.01 * klExact));
    }

    @Test
    void separatedClustersStaySeparatedWithEveryGradient() {
        int[] labels = new int[600];
        double[][] x = gaussians(6, 100, 20, 6, 13, labels);
        for (Tsne.Gradient method : Tsne.Gradient.values()) {
            boolean exact = method == Tsne.Gradient.EXACT;
            boolean fft = method == Tsne.Gradient.FFT;
            // the FFT grid costs the same for 600 points as for 60,000: fewer iterations keep the
            // test short
            int iterations = fft ? 400 : 600;
            TsneConfig config =
                    TsneConfig.defaults()
                            .withIterations(fft ? 150 : 250, iterations)
                            .withMethods(exact ? 10_000 : 10, fft ? 10 : 10_000, fft ? 10 : 10_000);
            List<Tsne.Progress> progress = new ArrayList<>();
            Tsne.Result r = Tsne.run(x, config, progress::add);
            assertThat(r.gradient()).isEqualTo(method);
            assertThat(r.approximateNeighbours()).isEqualTo(fft);
            assertThat(progress).hasSize(iterations / 50);
            assertThat(progress.get(progress.size() - 1).kl()).isLessThan(progress.get(3).kl());
            double t = Metrics.trustworthiness(x, r.embedding(), 10);
            assertThat(t).as("trustworthiness, %s", method).isGreaterThanOrEqualTo(0.95);
            // every point's nearest 2-D neighbour has its label
            assertThat(Metrics.knnAgreement(r.embedding(), labels, 5))
                    .as("5-NN label agreement")
                    .isGreaterThan(0.99);
            // same seed, same result
            if (method == Tsne.Gradient.BARNES_HUT) {
                double[][] again = Tsne.run(x, config, null).embedding();
                assertThat(again[17][0]).isEqualTo(r.embedding()[17][0]);
            }
        }
    }

    /**
     * The FFT-interpolated repulsion against the exact sums, on embeddings as t-SNE makes them:
     * tight at the start (spread ~1e-3), clustered and spread over ~100 units later. Stated
     * tolerance, with FIt-SNE's grid (3 nodes per box, boxes one unit wide once the map is 50 units
     * across): 1e-3 relative for Z (the interpolated self-interaction is taken out exactly), 5 %
     * for the force field — as a Barnes-Hut pass at θ 0.5 (the error falls as the cube of the box
     * width: 1 % at 0.58, measured).
     */
    @Test
    void fftRepulsionMatchesTheExactSums() {
        for (double scale : new double[] {1e-3, 1, 20}) {
            int n = 1500;
            Random r = new Random(21);
            double[] y = new double[2 * n];
            for (int i = 0; i < n; i++) { // 5 clusters
                int c = i % 5;
                y[2 * i] = scale * (c + 0.3 * r.nextGaussian());
                y[2 * i + 1] = scale * (c % 2 + 0.3 * r.nextGaussian());
            }
            double[] exact = new double[2 * n];
            double[] fft = new double[2 * n];
            double zExact = FftRepulsion.exactRepulsion(y, exact);
            double zFft = FftRepulsion.repulsion(y, fft);
            assertThat(zFft).as("Z at scale %s", scale).isCloseTo(zExact, within(1e-3 * zExact));
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < exact.length; i++) {
                diff += (exact[i] - fft[i]) * (exact[i] - fft[i]);
                norm += exact[i] * exact[i];
            }
            assertThat(Math.sqrt(diff / norm))
                    .as("relative error of the repulsion at scale %s", scale)
                    .isLessThan(0.05);
        }
    }

    /** The blocked covariance of the PCA start against Commons Math's, on uneven blocks. */
    @Test
    void covarianceMatchesCommonsMath() {
        Random r = new Random(5);
        double[][] x = new double[1003][7];
        double[] mean = new double[7];
        for (double[] row : x) {
            for (int j = 0; j < row.length; j++) {
                row[j] = r.nextGaussian() * (j + 1) + (j == 3 ? 0.5 * row[0] : 0) + 10;
                mean[j] += row[j] / x.length;
            }
        }
        double[][] expected = new Covariance(x).getCovarianceMatrix().getData();
        double[][] actual = PcaStart.covariance(x, mean);
        for (int a = 0; a < 7; a++) {
            for (int b = 0; b < 7; b++) {
                assertThat(actual[a][b])
                        .as("cov[%d][%d]", a, b)
                        .isCloseTo(expected[a][b], within(1e-9 * (1 + Math.abs(expected[a][b]))));
            }
        }
    }

    @Test
    void fftGradientIsCloseToTheExactOne() {
        double[][] x = gaussians(4, 60, 8, 4, 7, null);
        int n = x.length;
        Affinities dense = Affinities.dense(x, 10);
        Affinities sparse = Affinities.symmetrised(allOthers(n), halves(dense.dense));
        double[] y = randomY(n, 11);
        for (int i = 0; i < y.length; i++) {
            y[i] *= 5;
        }
        double[] exact = new double[2 * n];
        double[] fft = new double[2 * n];
        Tsne.exactGradient(dense.dense, y, 1, exact);
        Tsne.fftGradient(sparse, y, 1, fft, new FftRepulsion());
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < exact.length; i++) {
            diff += (exact[i] - fft[i]) * (exact[i] - fft[i]);
            norm += exact[i] * exact[i];
        }
        assertThat(Math.sqrt(diff / norm))
                .as("relative error of the FFT gradient")
                .isLessThan(0.02);
    }

    static int[][] allOthers(int n) {
        int[][] nbr = new int[n][n - 1];
        for (int i = 0; i < n; i++) {
            for (int j = 0, e = 0; j < n; j++) {
                if (j != i) {
                    nbr[i][e++] = j;
                }
            }
        }
        return nbr;
    }

    /**
     * p_ij / 2 for each ordered pair, so that symmetrising (p_ij/2 + p_ji/2, normalised) gives P
     * back.
     */
    static double[][] halves(double[][] p) {
        int n = p.length;
        double[][] c = new double[n][n - 1];
        for (int i = 0; i < n; i++) {
            for (int j = 0, e = 0; j < n; j++) {
                if (j != i) {
                    c[i][e++] = p[i][j] / 2;
                }
            }
        }
        return c;
    }

    @Test
    void symmetrisedAffinitiesEqualTheDenseOnes() {
        double[][] x = gaussians(3, 30, 6, 3, 17, null);
        Affinities dense = Affinities.dense(x, 8);
        Affinities sparse = Affinities.symmetrised(allOthers(x.length), halves(dense.dense));
        for (int i = 0; i < x.length; i++) {
            assertThat(sparse.rows[i + 1] - sparse.rows[i]).isEqualTo(x.length - 1);
            for (int e = sparse.rows[i]; e < sparse.rows[i + 1]; e++) {
                assertThat(sparse.values[e])
                        .isCloseTo(dense.dense[i][sparse.cols[e]], within(1e-15));
            }
        }
    }

    @Test
    void randomProjectionForestFindsMostTrueNeighbours() {
        double[][] x = gaussians(10, 300, 32, 3, 23, null);
        int k = 30;
        Neighbours exact = Neighbours.exact(x, k, 1);
        Neighbours approx = Neighbours.approximate(x, k, 1);
        long hits = 0;
        for (int i = 0; i < x.length; i++) {
            Set<Integer> truth = new HashSet<>();
            for (int j : exact.index[i]) {
                truth.add(j);
            }
            for (int e = 0; e < k; e++) {
                int j = approx.index[i][e];
                hits += truth.contains(j) ? 1 : 0;
                assertThat(j).isNotEqualTo(i);
                assertThat(approx.squared[i][e])
                        .isCloseTo(Affinities.squared(x[i], x[j]), within(1e-9));
                if (e > 0) {
                    assertThat(approx.squared[i][e])
                            .isGreaterThanOrEqualTo(approx.squared[i][e - 1]);
                }
            }
        }
        double recall = hits / (double) (x.length * k);
        assertThat(recall).as("recall of the true %d nearest", k).isGreaterThan(0.9);
    }
}
