package mmdigits.viz.tsne;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import mmdigits.viz.metrics.Metrics;

class TsneTest {

    static double[][] gaussians(int clusters, int perCluster, int dim, double spread, long seed, int[] labels) {
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
            assertThat(grad[i]).as("coordinate %d", i).isCloseTo(numeric, within(1e-6 + 1e-4 * Math.abs(numeric)));
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
        assertThat(Arrays.stream(dense.dense).flatMapToDouble(Arrays::stream).sum()).isCloseTo(1.0, within(1e-9));
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
        Tsne.bhGradient(sparse, y, 1, 0.5, bh);
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < exact.length; i++) {
            diff += (exact[i] - bh[i]) * (exact[i] - bh[i]);
            norm += exact[i] * exact[i];
        }
        assertThat(Math.sqrt(diff / norm)).as("relative error of the Barnes-Hut gradient").isLessThan(0.05);
        // theta = 0 is exact
        Tsne.bhGradient(sparse, y, 1, 0.0, bh);
        for (int i = 0; i < exact.length; i++) {
            assertThat(bh[i]).isCloseTo(exact[i], within(1e-9));
        }
        // the KL divergence with Z from the same approximation (theta 0.5) is within 1 %
        double klExact = Tsne.exactKl(dense.dense, y);
        assertThat(Tsne.sparseKl(sparse, y)).isCloseTo(klExact, within(0.01 * klExact));
    }

    @Test
    void separatedClustersStaySeparatedWithBothGradients() {
        int[] labels = new int[600];
        double[][] x = gaussians(6, 100, 20, 6, 13, labels);
        for (boolean exact : new boolean[] {false, true}) {
            TsneConfig config = TsneConfig.defaults().withIterations(250, 600).withExactBelow(exact ? 10_000 : 10);
            List<Tsne.Progress> progress = new ArrayList<>();
            Tsne.Result r = Tsne.run(x, config, progress::add);
            assertThat(r.exact()).isEqualTo(exact);
            assertThat(progress).hasSize(12);
            assertThat(progress.get(progress.size() - 1).kl()).isLessThan(progress.get(5).kl());
            double t = Metrics.trustworthiness(x, r.embedding(), 10);
            assertThat(t).as("trustworthiness, exact=%s", exact).isGreaterThanOrEqualTo(0.95);
            // every point's nearest 2-D neighbour has its label
            assertThat(Metrics.knnAgreement(r.embedding(), labels, 5)).as("5-NN label agreement").isGreaterThan(0.99);
            // same seed, same result
            if (!exact) {
                double[][] again = Tsne.run(x, config, null).embedding();
                assertThat(again[17][0]).isEqualTo(r.embedding()[17][0]);
            }
        }
    }
}
