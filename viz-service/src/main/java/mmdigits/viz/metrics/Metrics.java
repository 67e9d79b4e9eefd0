package mmdigits.viz.metrics;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Evaluation of an embedding and its clustering: classification accuracy and confusion matrix,
 * clusters against labels (adjusted Rand index, normalised mutual information with the arithmetic
 * mean, purity), silhouette (Euclidean) and trustworthiness of a low-dimensional map — the
 * definitions of scikit-learn, so its values are the reference.
 */
public final class Metrics {
    private Metrics() {}

    public static double accuracy(int[] truth, int[] predicted) {
        int ok = 0;
        for (int i = 0; i < truth.length; i++) {
            ok += truth[i] == predicted[i] ? 1 : 0;
        }
        return truth.length == 0 ? Double.NaN : (double) ok / truth.length;
    }

    /** counts[true][predicted] for labels 0..classes-1. */
    public static long[][] confusion(int[] truth, int[] predicted, int classes) {
        long[][] c = new long[classes][classes];
        for (int i = 0; i < truth.length; i++) {
            c[truth[i]][predicted[i]]++;
        }
        return c;
    }

    /** Contingency table of two labelings with values 0..a-1 and 0..b-1. */
    static long[][] contingency(int[] u, int[] v) {
        int a = Arrays.stream(u).max().orElse(-1) + 1;
        int b = Arrays.stream(v).max().orElse(-1) + 1;
        long[][] c = new long[a][b];
        for (int i = 0; i < u.length; i++) {
            c[u[i]][v[i]]++;
        }
        return c;
    }

    private static double pairs(long n) {
        return n * (n - 1) / 2.0;
    }

    public static double adjustedRandIndex(int[] u, int[] v) {
        long[][] c = contingency(u, v);
        double index = 0;
        double sumA = 0;
        double sumB = 0;
        long[] colSums = new long[c.length == 0 ? 0 : c[0].length];
        for (long[] row : c) {
            long rowSum = 0;
            for (int j = 0; j < row.length; j++) {
                index += pairs(row[j]);
                rowSum += row[j];
                colSums[j] += row[j];
            }
            sumA += pairs(rowSum);
        }
        for (long s : colSums) {
            sumB += pairs(s);
        }
        double expected = sumA * sumB / pairs(u.length);
        double max = (sumA + sumB) / 2;
        if (max == expected) {
            return 1.0;
        }
        return (index - expected) / (max - expected);
    }

    /** Mutual information divided by the arithmetic mean of the two entropies (natural log). */
    public static double normalizedMutualInformation(int[] u, int[] v) {
        long[][] c = contingency(u, v);
        double n = u.length;
        double[] a = new double[c.length];
        double[] b = new double[c.length == 0 ? 0 : c[0].length];
        for (int i = 0; i < c.length; i++) {
            for (int j = 0; j < b.length; j++) {
                a[i] += c[i][j];
                b[j] += c[i][j];
            }
        }
        double mi = 0;
        for (int i = 0; i < c.length; i++) {
            for (int j = 0; j < b.length; j++) {
                if (c[i][j] > 0) {
                    mi += c[i][j] / n * Math.log(c[i][j] * n / (a[i] * b[j]));
                }
            }
        }
        double hu = entropy(a, n);
        double hv = entropy(b, n);
        if (hu == 0 && hv == 0) {
            return 1.0;
        }
        return mi / ((hu + hv) / 2);
    }

    private static double entropy(double[] counts, double n) {
        double h = 0;
        for (double c : counts) {
            if (c > 0) {
                h -= c / n * Math.log(c / n);
            }
        }
        return h;
    }

    /** Share of points whose cluster's most frequent label is their own. */
    public static double purity(int[] clusters, int[] labels) {
        long[][] c = contingency(clusters, labels);
        long sum = 0;
        for (long[] row : c) {
            sum += Arrays.stream(row).max().orElse(0);
        }
        return (double) sum / clusters.length;
    }

    /** Euclidean distance. */
    public static double distance(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    /**
     * Mean silhouette coefficient (Euclidean) over all points; points alone in their cluster count
     * 0.
     */
    public static double silhouette(double[][] x, int[] clusters) {
        return silhouette(x, clusters, all(x.length));
    }

    /**
     * Mean silhouette coefficient of the query points (each against all points, as scikit-learn's
     * {@code silhouette_samples}); with a seeded sample of queries it estimates the mean over all.
     */
    public static double silhouette(double[][] x, int[] clusters, int[] queries) {
        int k = Arrays.stream(clusters).max().orElse(0) + 1;
        int[] sizes = new int[k];
        for (int c : clusters) {
            sizes[c]++;
        }
        return Arrays.stream(queries)
                        .parallel()
                        .mapToDouble(
                                i -> {
                                    double[] sums = new double[k];
                                    for (int j = 0; j < x.length; j++) {
                                        if (j != i) {
                                            sums[clusters[j]] += distance(x[i], x[j]);
                                        }
                                    }
                                    return silhouetteOf(clusters[i], sums, sizes);
                                })
                        .sum()
                / queries.length;
    }

    /**
     * Silhouette of the clusters in x and trustworthiness (k) of the map y, estimated from the same
     * query points.
     */
    public record MapQuality(double silhouette, double trustworthiness) {}

    /**
     * {@link #silhouette(double[][], int[], int[])} and {@link #trustworthiness(double[][],
     * double[][], int, int[])} in one pass: each query's distances to all points are computed once
     * and serve both (the cost of both is those N distances).
     */
    public static MapQuality mapQuality(
            double[][] x, int[] clusters, double[][] y, int k, int[] queries) {
        int n = x.length;
        int kc = Arrays.stream(clusters).max().orElse(0) + 1;
        int[] sizes = new int[kc];
        for (int c : clusters) {
            sizes[c]++;
        }
        double[] sil = new double[queries.length];
        double[] pen = new double[queries.length];
        IntStream.range(0, queries.length)
                .parallel()
                .forEach(
                        q -> {
                            int i = queries[q];
                            double[] d = new double[n];
                            double[] sums = new double[kc];
                            for (int j = 0; j < n; j++) {
                                d[j] = distance(x[i], x[j]);
                                if (j != i) {
                                    sums[clusters[j]] += d[j];
                                }
                            }
                            sil[q] = silhouetteOf(clusters[i], sums, sizes);
                            pen[q] = penalty(d, neighbours(y, i, k), i, k);
                        });
        double penalty = Arrays.stream(pen).sum() * n / queries.length;
        return new MapQuality(
                Arrays.stream(sil).sum() / queries.length,
                1.0 - 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)) * penalty);
    }

    /**
     * (b − a) / max(a, b) of a point in cluster own, from its summed distances to each cluster; 0
     * alone in its cluster.
     */
    private static double silhouetteOf(int own, double[] sums, int[] sizes) {
        if (sizes[own] <= 1) {
            return 0;
        }
        double a = sums[own] / (sizes[own] - 1);
        double b = Double.POSITIVE_INFINITY;
        for (int c = 0; c < sizes.length; c++) {
            if (c != own && sizes[c] > 0) {
                b = Math.min(b, sums[c] / sizes[c]);
            }
        }
        return Double.isInfinite(b) ? 0 : (b - a) / Math.max(a, b);
    }

    /**
     * Σ max(0, r(i,j) − k) over the map neighbours j of i, r the rank of j by the input distances d
     * from i (1 = nearest).
     */
    private static double penalty(double[] d, int[] low, int i, int k) {
        double s = 0;
        for (int j : low) {
            int rank = 0;
            for (int m = 0; m < d.length; m++) {
                if (m != i && (d[m] < d[j] || (d[m] == d[j] && m < j))) {
                    rank++;
                }
            }
            s += Math.max(0, rank + 1 - k);
        }
        return s;
    }

    /** 0, 1, ..., n − 1. */
    public static int[] all(int n) {
        return IntStream.range(0, n).toArray();
    }

    /**
     * All n points when n <= size, else a seeded sample of size of them without repeats (sorted).
     */
    public static int[] sample(int n, int size, long seed) {
        if (n <= size) {
            return all(n);
        }
        int[] idx = all(n);
        Random r = new Random(seed);
        for (int i = 0; i < size; i++) { // a partial Fisher-Yates shuffle
            int j = i + r.nextInt(n - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int[] chosen = Arrays.copyOf(idx, size);
        Arrays.sort(chosen);
        return chosen;
    }

    /**
     * Indices of the k nearest neighbours of row i (itself excluded), nearest first, ties by index.
     */
    static int[] neighbours(double[][] x, int i, int k) {
        int[] idx = new int[k];
        double[] dist = new double[k];
        Arrays.fill(dist, Double.POSITIVE_INFINITY);
        Arrays.fill(idx, Integer.MAX_VALUE);
        for (int j = 0; j < x.length; j++) {
            if (j == i) {
                continue;
            }
            double d = distance(x[i], x[j]);
            if (d > dist[k - 1] || (d == dist[k - 1] && j > idx[k - 1])) {
                continue;
            }
            int at = k - 1; // insertion into the sorted top k (j grows, so equal distances
            // keep index order)
            while (at > 0 && dist[at - 1] > d) {
                dist[at] = dist[at - 1];
                idx[at] = idx[at - 1];
                at--;
            }
            dist[at] = d;
            idx[at] = j;
        }
        return idx;
    }

    /**
     * Trustworthiness of the map y of x (Venna and Kaski): 1 − 2/(nk(2n−3k−1)) Σ_i Σ_{j among the k
     * nearest of i in y} max(0, r(i,j) − k), r = rank of j among the neighbours of i in x (1 =
     * nearest).
     */
    public static double trustworthiness(double[][] x, double[][] y, int k) {
        return trustworthiness(x, y, k, all(x.length));
    }

    /**
     * Trustworthiness from the penalties of the query points only (each ranked against all points),
     * scaled to n points: with all points the exact value, with a seeded sample an estimate of it.
     */
    public static double trustworthiness(double[][] x, double[][] y, int k, int[] queries) {
        int n = x.length;
        double penalty =
                Arrays.stream(queries)
                                .parallel()
                                .mapToDouble(
                                        i -> {
                                            double[] d = new double[n];
                                            for (int j = 0; j < n; j++) {
                                                d[j] = distance(x[i], x[j]);
                                            }
                                            return penalty(d, lowNeighbours(y, i, k), i, k);
                                        })
                                .sum()
                        * n
                        / queries.length;
        return 1.0 - 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)) * penalty;
    }

    /** The k nearest in a 2-D map (a partial selection: the map has few dimensions). */
    private static int[] lowNeighbours(double[][] y, int i, int k) {
        return neighbours(y, i, k);
    }

    /** Share of points whose k nearest neighbours (in x) mostly carry the point's own label. */
    public static double knnAgreement(double[][] x, int[] labels, int k) {
        int[] votes = new int[x.length];
        IntStream.range(0, x.length)
                .parallel()
                .forEach(
                        i -> {
                            int same = 0;
                            for (int j : neighbours(x, i, k)) {
                                same += labels[j] == labels[i] ? 1 : 0;
                            }
                            votes[i] = same * 2 > k ? 1 : 0;
                        });
        return (double) Arrays.stream(votes).sum() / x.length;
    }
}
