package mmdigits.viz.tsne;

/** Barnes-Hut quadtree over 2-D points: each cell keeps its point count and centre of mass. */
final class QuadTree {
    private final double cx;
    private final double cy;
    private final double half;
    private int count;
    private double mx;
    private double my;
    private int point = -1;
    private QuadTree[] children;
    private static final int MAX_DEPTH = 48;

    private QuadTree(double cx, double cy, double half) {
        this.cx = cx;
        this.cy = cy;
        this.half = half;
    }

    static QuadTree build(double[] y, int n) {
        double minX = Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            minX = Math.min(minX, y[2 * i]);
            maxX = Math.max(maxX, y[2 * i]);
            minY = Math.min(minY, y[2 * i + 1]);
            maxY = Math.max(maxY, y[2 * i + 1]);
        }
        double half = Math.max(maxX - minX, maxY - minY) / 2 + 1e-5;
        QuadTree t = new QuadTree((minX + maxX) / 2, (minY + maxY) / 2, half);
        for (int i = 0; i < n; i++) {
            t.insert(y, i, 0);
        }
        return t;
    }

    private void insert(double[] y, int i, int depth) {
        double px = y[2 * i];
        double py = y[2 * i + 1];
        mx = (mx * count + px) / (count + 1);
        my = (my * count + py) / (count + 1);
        count++;
        if (count == 1) {
            point = i;
            return;
        }
        if (depth >= MAX_DEPTH) {
            return; // coincident points stay together in one leaf
        }
        if (children == null) {
            children = new QuadTree[4];
            double h = half / 2;
            children[0] = new QuadTree(cx - h, cy - h, h);
            children[1] = new QuadTree(cx + h, cy - h, h);
            children[2] = new QuadTree(cx - h, cy + h, h);
            children[3] = new QuadTree(cx + h, cy + h, h);
            if (point >= 0) {
                child(y[2 * point], y[2 * point + 1]).insert(y, point, depth + 1);
                point = -1;
            }
        }
        child(px, py).insert(y, i, depth + 1);
    }

    private QuadTree child(double px, double py) {
        return children[(px >= cx ? 1 : 0) + (py >= cy ? 2 : 0)];
    }

    /**
     * Adds to {@code neg} the repulsive force on point i, sum over cells of count·q²·(y_i − centre)
     * with q = 1/(1+d²), and returns the sum of count·q (its share of the normalisation Z).
     */
    double repulsion(double[] y, int i, double theta, double[] neg) {
        if (count == 0 || (count == 1 && point == i)) {
            return 0;
        }
        double dx = y[2 * i] - mx;
        double dy = y[2 * i + 1] - my;
        double d2 = dx * dx + dy * dy;
        if (children == null || (2 * half) * (2 * half) < theta * theta * d2) {
            int n = count;
            if (children == null && point == i) {
                n = count - 1; // i itself sits in this leaf of coincident points
            }
            double q = 1.0 / (1.0 + d2);
            double nq = n * q;
            neg[0] += nq * q * dx;
            neg[1] += nq * q * dy;
            return nq;
        }
        double z = 0;
        for (QuadTree c : children) {
            z += c.repulsion(y, i, theta, neg);
        }
        return z;
    }
}
