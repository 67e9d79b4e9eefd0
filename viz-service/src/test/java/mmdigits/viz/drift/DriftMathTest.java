package mmdigits.viz.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Reference values from NumPy: tools/drift_reference.py (the same sets). */
class DriftMathTest {
    private static final float[][] X = {{0, 0}, {1, 0}, {0, 2}, {1.5f, 1}, {-1, 0.5f}};
    private static final float[][] Y = {{0.5f, 0.5f}, {2, 1}, {1, 3}, {3, 2.5f}};

    @Test
    void medianHeuristicIsTheLowerMedianOfDistinctPairsDistances() {
        assertThat(Mmd.medianDistance(X)).isCloseTo(1.8027756377319946, within(1e-12));
    }

    @Test
    void unbiasedMmdSquaredMatchesNumpy() {
        double sigma = Mmd.medianDistance(X);
        assertThat(Mmd.unbiasedSquared(X, Y, sigma)).isCloseTo(0.10137565636021406, within(1e-12));
        float[][] firstFour = {X[0], X[1], X[2], X[3]};
        assertThat(Mmd.unbiasedSquared(X, firstFour, sigma))
                .isCloseTo(-0.14004529524773646, within(1e-12));
        assertThat(Mmd.unbiasedSquared(X, Y, 0.5)).isCloseTo(-0.11605140955231456, within(1e-12));
    }

    @Test
    void inputShiftMatchesNumpyWithNearlyConstantFeaturesFlooredAtTheMedianStd() {
        float[][] rows = {{1, 5, 0, 0.5f}, {2, 7, 1, 0.5f}, {4, 6, 0, 0.7f}, {3, 10, 3, 0.5f}};
        assertThat(InputShift.of(rows, new float[] {2, 6, 0, 0.5f}, new float[] {1, 2, 0, 0.1f}))
                .isCloseTo(0.6626999594888401, within(1e-6));
        assertThat(InputShift.medianOfPositive(new float[] {0, 3, 1, 2, 0})).isEqualTo(2);
        assertThat(InputShift.medianOfPositive(new float[] {0, 3, 1, 2, 4})).isEqualTo(2.5);
        assertThat(InputShift.of(rows, new float[4], new float[4]))
                .as("every feature constant in training")
                .isNaN();
    }

    @Test
    void tooFewPointsOrMismatchedWidthsAreRefused() {
        assertThatThrownBy(() -> Mmd.unbiasedSquared(X, new float[][] {{0, 0}}, 1))
                .hasMessageContaining("at least 2 points");
        assertThatThrownBy(() -> Mmd.unbiasedSquared(X, new float[][] {{0}, {1}}, 1))
                .hasMessageContaining("different widths");
    }
}
