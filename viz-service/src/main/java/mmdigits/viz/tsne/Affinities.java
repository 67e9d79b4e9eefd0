package mmdigits.viz.tsne;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Input similarities P of t-SNE: Gaussian conditionals p(j|i) whose bandwidth gives the wanted
 * perplexity (binary search on the precision), symmetrised and normalised to sum 1. Dense (all
 * pairs) or sparse (the 3·perplexity nearest neighbours, CSR rows).
 */
final class Affinities {
    double[][] dense;
    int[] rows;
    int[] cols;
    double[] values;

    private Affinities() {
    }

    static Affinities dense(double[][] x, double perplexity) {
        int n = x.length;
        double[][] cond = new double[n][];
        IntStream.range(0, n).parallel().forEach(i -> {
            double[] d2 = new double[n];
            for (int j = 0; j < n; j++) {
                d2[j] = j == i ? Double.POSITIVE_INFINITY : squared(x[i], x[j]);
            }
            cond[i] = conditional(d2, perplexity);
        });
        double[][] p = new double[n][n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                p[i][j] = cond[i][j] + cond[j][i];
                sum += p[i][j];
            }
        }
        for (double[] row : p) {
            for (int j = 0; j < n; j++) {
                row[j] /= sum;
            }
        }
        Affinities a = new Affinities();
        a.dense = p;
        return a;
    }

    static Affinities sparse(double[][] x, double perplexity, long seed) {
        int n = x.length;
        int k = Math.min(n - 1, (int) (3 * perplexity + 1));
        VpTree tree = new VpTree(x, seed);
        int[][] nbr = new int[n][k];
        double[][] cond = new double[n][];
        IntStream.range(0, n).parallel().forEach(i -> {
            double[] dist = new double[k];
            tree.search(i, k, nbr[i], dist);
            double[] d2 = new double[k];
            for (int j = 0; j < k; j++) {
                d2[j] = dist[j] * dist[j];
            }
            cond[i] = conditional(d2, perplexity);
        });
        // symmetrise: p_ij = p(j|i) + p(i|j), then normalise
        List<Map<Integer, Double>> sym = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            sym.add(new HashMap<>());
        }
        for (int i = 0; i < n; i++) {
            for (int e = 0; e < k; e++) {
                int j = nbr[i][e];
                double v = cond[i][e];
                sym.get(i).merge(j, v, Double::sum);
                sym.get(j).merge(i, v, Double::sum);
            }
        }
        double sum = 0;
        int nnz = 0;
        for (Map<Integer, Double> m : sym) {
            nnz += m.size();
            for (double v : m.values()) {
                sum += v;
            }
        }
        Affinities a = new Affinities();
        a.rows = new int[n + 1];
        a.cols = new int[nnz];
        a.values = new double[nnz];
        int at = 0;
        for (int i = 0; i < n; i++) {
            a.rows[i] = at;
            int[] keys = sym.get(i).keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
            for (int j : keys) {
                a.cols[at] = j;
                a.values[at] = sym.get(i).get(j) / sum;
                at++;
            }
        }
        a.rows[n] = at;
        return a;
    }

    static double squared(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return s;
    }

    /** p(j|i) for squared distances d2 (infinite = excluded), with entropy log(perplexity) (nats). */
    static double[] conditional(double[] d2, double perplexity) {
        double target = Math.log(perplexity);
        double beta = 1;
        double lo = Double.NEGATIVE_INFINITY;
        double hi = Double.POSITIVE_INFINITY;
        double[] p = new double[d2.length];
        double min = Arrays.stream(d2).min().orElse(0);
        for (int step = 0; step < 100; step++) {
            double sum = 0;
            for (int j = 0; j < d2.length; j++) {
                p[j] = Double.isInfinite(d2[j]) ? 0 : Math.exp(-(d2[j] - min) * beta);
                sum += p[j];
            }
            double h = 0;
            for (int j = 0; j < d2.length; j++) {
                if (p[j] > 0) {
                    p[j] /= sum;
                    h -= p[j] * Math.log(p[j]);
                }
            }
            double diff = h - target;
            if (Math.abs(diff) < 1e-5) {
                break;
            }
            if (diff > 0) { // too flat: sharpen
                lo = beta;
                beta = Double.isInfinite(hi) ? beta * 2 : (beta + hi) / 2;
            } else {
                hi = beta;
                beta = Double.isInfinite(lo) ? beta / 2 : (beta + lo) / 2;
            }
        }
        return p;
    }
}
