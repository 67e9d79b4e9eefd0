package mmdigits.viz.tsne;

import java.util.PriorityQueue;
import java.util.Random;

/** Vantage-point tree over rows of a matrix (Euclidean distance): exact k nearest neighbours. */
final class VpTree {
    private final double[][] x;
    private final int[] index;
    private final double[] threshold;
    private final int[] left;
    private final int[] right;
    private int nodes;
    private final int root;

    VpTree(double[][] x, long seed) {
        this.x = x;
        int n = x.length;
        index = new int[n];
        for (int i = 0; i < n; i++) {
            index[i] = i;
        }
        threshold = new double[n];
        left = new int[n];
        right = new int[n];
        root = build(0, n, new Random(seed));
    }

    /** The Euclidean distance of the t-SNE's squared one ({@link Affinities#squared}). */
    static double distance(double[] a, double[] b) {
        return Math.sqrt(Affinities.squared(a, b));
    }

    /** Builds the node for index[lo, hi); the node is stored at position lo. */
    private int build(int lo, int hi, Random r) {
        if (lo >= hi) {
            return -1;
        }
        int node = lo;
        nodes++;
        if (hi - lo > 1) {
            swap(lo, lo + r.nextInt(hi - lo));
            int median = (lo + 1 + hi) / 2;
            double[] vp = x[index[lo]];
            select(lo + 1, hi, median, vp);
            threshold[node] = distance(vp, x[index[median]]);
            left[node] = build(lo + 1, median, r);
            right[node] = build(median, hi, r);
        } else {
            left[node] = -1;
            right[node] = -1;
        }
        return node;
    }

    /**
     * Partial sort of index[lo, hi) by distance to vp so that position k holds the k-th
     * (quickselect).
     */
    private void select(int lo, int hi, int k, double[] vp) {
        hi--;
        while (lo < hi) {
            double pivot = distance(vp, x[index[(lo + hi) >>> 1]]);
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (distance(vp, x[index[i]]) < pivot) {
                    i++;
                }
                while (distance(vp, x[index[j]]) > pivot) {
                    j--;
                }
                if (i <= j) {
                    swap(i++, j--);
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    private void swap(int a, int b) {
        int t = index[a];
        index[a] = index[b];
        index[b] = t;
    }

    /**
     * The k nearest neighbours of row q (itself excluded), nearest first: indices and distances.
     */
    void search(int q, int k, int[] outIndex, double[] outDistance) {
        PriorityQueue<double[]> heap = new PriorityQueue<>((a, b) -> Double.compare(b[0], a[0]));
        double[] tau = {Double.MAX_VALUE};
        search(root, q, k, heap, tau);
        for (int i = heap.size() - 1; i >= 0; i--) {
            double[] e = heap.poll();
            outIndex[i] = (int) e[1];
            outDistance[i] = e[0];
        }
    }

    private void search(int node, int q, int k, PriorityQueue<double[]> heap, double[] tau) {
        if (node < 0) {
            return;
        }
        int p = index[node];
        double d = distance(x[q], x[p]);
        if (p != q && d < tau[0]) {
            heap.add(new double[] {d, p});
            if (heap.size() > k) {
                heap.poll();
            }
            if (heap.size() == k) {
                tau[0] = heap.peek()[0];
            }
        }
        if (left[node] < 0 && right[node] < 0) {
            return;
        }
        if (d < threshold[node]) {
            if (d - tau[0] <= threshold[node]) {
                search(left[node], q, k, heap, tau);
            }
            if (d + tau[0] >= threshold[node]) {
                search(right[node], q, k, heap, tau);
            }
        } else {
            if (d + tau[0] >= threshold[node]) {
                search(right[node], q, k, heap, tau);
            }
            if (d - tau[0] <= threshold[node]) {
                search(left[node], q, k, heap, tau);
            }
        }
    }
}
