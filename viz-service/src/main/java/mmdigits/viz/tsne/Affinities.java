package mmdigits.viz.tsne;

import java.util.Arrays;
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

    private Affinities() {}

    static Affinities dense(double[][] x, double perplexity) {
        int n = x.length;
        double[][] cond = new double[n][];
        IntStream.range(0, n)
                .parallel()
                .forEach(
                        i -> {
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
        return sparse(x, perplexity, seed, false);
    }

    /**
     * From the 3·perplexity nearest neighbours of each point, exact or (random-projection forest)
     * approximate.
     */
    static Affinities sparse(double[][] x, double perplexity, long seed, boolean approximate) {
        int n = x.length;
        int k = Math.min(n - 1, (int) (3 * perplexity + 1));
        Neighbours nn =
                approximate ? Neighbours.approximate(x, k, seed) : Neighbours.exact(x, k, seed);
        double[][] cond = new double[n][];
        IntStream.range(0, n)
                .parallel()
                .forEach(i -> cond[i] = conditional(nn.squared[i], perplexity));
        return symmetrised(nn.index, cond);
    }

    /**
     * p_ij = (p(j|i) + p(i|j)) / Σ, as CSR rows sorted by column: every edge i→j is written to row
     * i and row j, each row sorted and its duplicates summed — in primitive arrays, rows in
     * parallel.
     */
    static Affinities symmetrised(int[][] nbr, double[][] cond) {
        int n = nbr.length;
        int[] start = new int[n + 1];
        for (int i = 0; i < n; i++) {
            start[i + 1] += nbr[i].length;
            for (int j : nbr[i]) {
                start[j + 1]++;
            }
        }
        for (int i = 0; i < n; i++) {
            start[i + 1] += start[i];
        }
        int[] fill = Arrays.copyOf(start, n);
        int[] cols = new int[start[n]];
        double[] vals = new double[start[n]];
        for (int i = 0; i < n; i++) {
            for (int e = 0; e < nbr[i].length; e++) {
                int j = nbr[i][e];
                cols[fill[i]] = j;
                vals[fill[i]++] = cond[i][e];
                cols[fill[j]] = i;
                vals[fill[j]++] = cond[i][e];
            }
        }
        int[] kept = new int[n];
        IntStream.range(0, n)
                .parallel()
                .forEach(i -> kept[i] = mergeRow(cols, vals, start[i], start[i + 1]));
        Affinities a = new Affinities();
        a.rows = new int[n + 1];
        for (int i = 0; i < n; i++) {
            a.rows[i + 1] = a.rows[i] + kept[i];
        }
        a.cols = new int[a.rows[n]];
        a.values = new double[a.rows[n]];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            System.arraycopy(cols, start[i], a.cols, a.rows[i], kept[i]);
            System.arraycopy(vals, start[i], a.values, a.rows[i], kept[i]);
            for (int e = start[i]; e < start[i] + kept[i]; e++) {
                sum += vals[e];
            }
        }
        for (int e = 0; e < a.values.length; e++) {
            a.values[e] /= sum;
        }
        return a;
    }

    /**
     * Sorts entries [from, to) by column (insertion sort: rows are short), sums equal columns; the
     * count kept at from.
     */
    private static int mergeRow(int[] cols, double[] vals, int from, int to) {
        for (int e = from + 1; e < to; e++) {
            int c = cols[e];
            double v = vals[e];
            int f = e - 1;
            while (f >= from && cols[f] > c) {
                cols[f + 1] = cols[f];
                vals[f + 1] = vals[f];
                f--;
            }
            cols[f + 1] = c;
            vals[f + 1] = v;
        }
        int out = from;
        for (int e = from; e < to; e++) {
            if (out > from && cols[out - 1] == cols[e]) {
                vals[out - 1] += vals[e];
            } else {
                cols[out] = cols[e];
                vals[out++] = vals[e];
            }
        }
        return out - from;
    }

    static double squared(double[] a, double[] b) {
        // four independent sums: the additions of one do not wait for the other's (the JIT keeps
        // the order of floating-point additions, so one sum would be a chain of dependent adds)
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < a.length; i += 4) {
            double d0 = a[i] - b[i];
            double d1 = a[i + 1] - b[i + 1];
            double d2 = a[i + 2] - b[i + 2];
            double d3 = a[i + 3] - b[i + 3];
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; i < a.length; i++) {
            double d = a[i] - b[i];
            s0 += d * d;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * p(j|i) for squared distances d2 (infinite = excluded), with entropy log(perplexity) (nats).
     */
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
