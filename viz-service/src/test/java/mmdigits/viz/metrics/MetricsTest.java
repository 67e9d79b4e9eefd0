package mmdigits.viz.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void handComputedValues() {
        int[] truth = {0, 0, 1, 1, 2, 2};
        int[] pred = {0, 1, 1, 1, 2, 0};
        assertThat(Metrics.accuracy(truth, pred)).isEqualTo(4.0 / 6);
        assertThat(Metrics.confusion(truth, pred, 3))
                .isDeepEqualTo(new long[][] {{1, 1, 0}, {0, 2, 0}, {1, 0, 1}});

        // ARI: contingency [[1,1,0],[0,2,0],[1,0,1]]: index = C(2,2) = 1; rows all 2 -> sumA = 3;
        // columns (2,3,1) -> sumB = 1 + 3 + 0 = 4; expected = 3*4/15 = 0.8; max = 3.5 ->
        // (1-0.8)/(3.5-0.8)
        assertThat(Metrics.adjustedRandIndex(truth, pred)).isCloseTo(0.2 / 2.7, within(1e-12));
        assertThat(Metrics.adjustedRandIndex(truth, new int[] {2, 2, 0, 0, 1, 1}))
                .isEqualTo(1.0); // a relabelling
        // purity: cluster 0 {0,2}: 1, cluster 1 {0,1,1}: 2, cluster 2 {2}: 1 -> 4/6
        assertThat(Metrics.purity(pred, truth)).isEqualTo(4.0 / 6);
        // NMI of identical partitions is 1, of independent ones 0
        assertThat(Metrics.normalizedMutualInformation(truth, new int[] {1, 1, 2, 2, 0, 0}))
                .isCloseTo(1.0, within(1e-12));
        assertThat(
                        Metrics.normalizedMutualInformation(
                                new int[] {0, 0, 1, 1}, new int[] {0, 1, 0, 1}))
                .isCloseTo(0.0, within(1e-12));

        // silhouette on a line: clusters {0,1} and {10,12}
        double[][] x = {{0}, {1}, {10}, {12}};
        int[] c = {0, 0, 1, 1};
        double s0 = (11 - 1) / 11.0;
        double s1 = (10 - 1) / 10.0;
        double s2 = (9.5 - 2) / 9.5;
        double s3 = (11.5 - 2) / 11.5;
        assertThat(Metrics.silhouette(x, c)).isCloseTo((s0 + s1 + s2 + s3) / 4, within(1e-12));

        // a map that keeps every neighbourhood is fully trustworthy; a reversal of a line is
        // penalised
        double[][] line = {{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}};
        double[][] same = {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}, {6, 0}, {7, 0}};
        assertThat(Metrics.trustworthiness(line, same, 2)).isEqualTo(1.0);
        double[][] folded = {{0, 0}, {7, 0}, {1, 0}, {6, 0}, {2, 0}, {5, 0}, {3, 0}, {4, 0}};
        assertThat(Metrics.trustworthiness(line, folded, 2)).isLessThan(0.8);
    }

    @Test
    void agreesWithScikitLearn() throws Exception {
        JsonNode f;
        try (InputStream in = getClass().getResourceAsStream("/metrics/sklearn-fixture.json")) {
            f = new ObjectMapper().readTree(in);
        }
        ObjectMapper m = new ObjectMapper();
        double[][] x = m.convertValue(f.get("x"), double[][].class);
        double[][] y = m.convertValue(f.get("y"), double[][].class);
        int[] labels = m.convertValue(f.get("labels"), int[].class);
        int[] clusters = m.convertValue(f.get("clusters"), int[].class);
        assertThat(Metrics.adjustedRandIndex(labels, clusters))
                .isCloseTo(f.get("ari").asDouble(), within(1e-12));
        assertThat(Metrics.normalizedMutualInformation(labels, clusters))
                .isCloseTo(f.get("nmi").asDouble(), within(1e-12));
        assertThat(Metrics.silhouette(x, clusters))
                .isCloseTo(f.get("silhouette").asDouble(), within(1e-12));
        assertThat(Metrics.trustworthiness(x, y, 5))
                .isCloseTo(f.get("trustworthiness5").asDouble(), within(1e-12));
        assertThat(Metrics.trustworthiness(x, y, 10))
                .isCloseTo(f.get("trustworthiness10").asDouble(), within(1e-12));
    }

    /**
     * Past the sample size, silhouette and trustworthiness from 1,000 seeded query points are
     * within 0.01 of the exact values.
     */
    @Test
    void sampledMetricsEstimateTheExactOnes() {
        Random r = new Random(5);
        int n = 4000;
        double[][] x = new double[n][6];
        double[][] y = new double[n][2];
        int[] clusters = new int[n];
        for (int i = 0; i < n; i++) {
            clusters[i] = i % 4;
            for (int j = 0; j < 6; j++) {
                x[i][j] = (j == clusters[i] ? 4 : 0) + r.nextGaussian();
            }
            y[i][0] = x[i][0] + x[i][2] + 0.5 * r.nextGaussian();
            y[i][1] = x[i][1] + x[i][3] + 0.5 * r.nextGaussian();
        }
        int[] sample = Metrics.sample(n, 1000, 42);
        assertThat(sample).hasSize(1000).doesNotHaveDuplicates().isSorted();
        assertThat(Metrics.sample(n, 1000, 42)).containsExactly(sample);
        assertThat(Metrics.sample(500, 1000, 42)).containsExactly(Metrics.all(500));
        assertThat(Metrics.silhouette(x, clusters, sample))
                .isCloseTo(Metrics.silhouette(x, clusters), within(0.01));
        double exact = Metrics.trustworthiness(x, y, 10);
        assertThat(exact)
                .isBetween(
                        0.6, 0.99); // a map neither perfect nor random, so that the test can fail
        assertThat(Metrics.trustworthiness(x, y, 10, sample)).isCloseTo(exact, within(0.01));
        assertThat(Metrics.trustworthiness(x, y, 10, Metrics.all(n))).isEqualTo(exact);
        Metrics.MapQuality both = Metrics.mapQuality(x, clusters, y, 10, sample);
        assertThat(both.silhouette())
                .isCloseTo(Metrics.silhouette(x, clusters, sample), within(1e-12));
        assertThat(both.trustworthiness())
                .isCloseTo(Metrics.trustworthiness(x, y, 10, sample), within(1e-12));
    }
}
