package mmdigits.viz.report;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.ml.clustering.CentroidCluster;
import org.apache.commons.math3.ml.clustering.DoublePoint;
import org.apache.commons.math3.ml.clustering.KMeansPlusPlusClusterer;
import org.apache.commons.math3.ml.distance.EuclideanDistance;
import org.apache.commons.math3.random.JDKRandomGenerator;

/**
 * K-means with k-means++ starts and restarts (Apache Commons Math), seeded: one cluster id per
 * point.
 */
public final class Clustering {
    private Clustering() {}

    public static int[] kmeans(double[][] x, int k, int restarts, int maxIterations, long seed) {
        List<DoublePoint> points = new ArrayList<>(x.length);
        Map<DoublePoint, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < x.length; i++) {
            DoublePoint p = new DoublePoint(x[i]);
            points.add(p);
            index.put(p, i);
        }
        int clusters = Math.min(k, x.length);
        KMeansPlusPlusClusterer<DoublePoint> one =
                new KMeansPlusPlusClusterer<>(
                        clusters,
                        maxIterations,
                        new EuclideanDistance(),
                        new JDKRandomGenerator((int) seed));
        // Restarts kept by inertia (the sum of squared distances to the centres, as scikit-learn
        // does):
        // MultiKMeansPlusPlusClusterer's default evaluator sums unweighted per-cluster variances
        // and
        // prefers merging whole classes while splitting off tiny clusters.
        List<CentroidCluster<DoublePoint>> result = null;
        double best = Double.POSITIVE_INFINITY;
        for (int run = 0; run < Math.max(1, restarts); run++) {
            List<CentroidCluster<DoublePoint>> candidate = one.cluster(points);
            double inertia = inertia(candidate);
            if (inertia < best) {
                best = inertia;
                result = candidate;
            }
        }
        // clusters numbered by size, largest first, so that reruns read alike
        result = new ArrayList<>(result);
        result.sort((a, b) -> Integer.compare(b.getPoints().size(), a.getPoints().size()));
        int[] assignment = new int[x.length];
        for (int c = 0; c < result.size(); c++) {
            for (DoublePoint p : result.get(c).getPoints()) {
                assignment[index.get(p)] = c;
            }
        }
        return assignment;
    }

    static double inertia(List<CentroidCluster<DoublePoint>> clusters) {
        double sum = 0;
        for (CentroidCluster<DoublePoint> c : clusters) {
            double[] centre = c.getCenter().getPoint();
            for (DoublePoint p : c.getPoints()) {
                double[] v = p.getPoint();
                for (int j = 0; j < v.length; j++) {
                    sum += (v[j] - centre[j]) * (v[j] - centre[j]);
                }
            }
        }
        return sum;
    }
}
