package mmdigits.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import mmdigits.common.proto.DriftReference;
import mmdigits.common.sample.Dimensions;
import org.junit.jupiter.api.Test;

class DriftReferencesTest {
    private static final TrainingSet DATA = Fixtures.set(40, 3);
    private static final int[] TRAIN = IntStream.range(0, 30).toArray();
    private static final int[] HELD_OUT = IntStream.range(30, 40).toArray();

    /** A stand-in model: the embedding of a sample is (its first pixel, its first MFCC). */
    private static float[] firstValues(float[] images, float[] audio, int n) {
        float[] out = new float[n * 2];
        for (int i = 0; i < n; i++) {
            out[2 * i] = images[i * Dimensions.IMAGE];
            out[2 * i + 1] = audio[i * Dimensions.AUDIO];
        }
        return out;
    }

    private static DriftReference reference(int samples, long seed) {
        return DriftReferences.of(
                DATA, TRAIN, HELD_OUT, DriftReferencesTest::firstValues, 2, 1, samples, seed);
    }

    @Test
    void inputStatisticsArePerFeatureMeanAndPopulationStdOfTheTrainingRows() {
        DriftReference ref = reference(4, 1);
        assertThat(ref.getInputSamples()).isEqualTo(30);
        assertThat(ref.getImageMeanCount()).isEqualTo(Dimensions.IMAGE);
        assertThat(ref.getAudioStdCount()).isEqualTo(Dimensions.AUDIO);
        for (int f : new int[] {0, 100, 783}) {
            double[] x = IntStream.of(TRAIN).mapToDouble(r -> DATA.image(r, f)).toArray();
            assertThat(ref.getImageMean(f)).isCloseTo((float) mean(x), within(1e-3f));
            assertThat(ref.getImageStd(f)).isCloseTo((float) std(x), within(1e-3f));
        }
        for (int f : new int[] {0, 250, 506}) {
            double[] x = IntStream.of(TRAIN).mapToDouble(r -> DATA.audio(r, f)).toArray();
            assertThat(ref.getAudioMean(f)).isCloseTo((float) mean(x), within(1e-4f));
            assertThat(ref.getAudioStd(f)).isCloseTo((float) std(x), within(1e-4f));
        }
    }

    @Test
    void embeddingsAreOfDistinctHeldOutRowsPickedBySeed() {
        DriftReference ref = reference(4, 1);
        assertThat(ref.getEmbeddingSamples()).isEqualTo(4);
        assertThat(ref.getEmbeddingDim()).isEqualTo(2);
        assertThat(ref.getImageFeatures()).isEqualTo(1);
        assertThat(ref.getEmbeddingsCount()).isEqualTo(8);
        Set<Float> firstMfcc = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            float mfcc = ref.getEmbeddings(2 * i + 1);
            assertThat(IntStream.of(HELD_OUT).anyMatch(r -> DATA.audio(r, 0) == mfcc))
                    .as("embedding %d comes from a held-out row", i)
                    .isTrue();
            firstMfcc.add(mfcc);
        }
        assertThat(firstMfcc).hasSize(4);
        assertThat(reference(4, 1).getEmbeddingsList()).isEqualTo(ref.getEmbeddingsList());
        assertThat(reference(4, 2).getEmbeddingsList()).isNotEqualTo(ref.getEmbeddingsList());
    }

    @Test
    void fewerHeldOutRowsThanAskedForGivesThemAll() {
        DriftReference ref = reference(500, 1);
        assertThat(ref.getEmbeddingSamples()).isEqualTo(HELD_OUT.length);
        assertThat(DriftReferences.sample(HELD_OUT, 500, 1)).containsExactly(HELD_OUT);
    }

    @Test
    void anEmbedderOfTheWrongWidthIsRefused() {
        assertThatThrownBy(
                        () ->
                                DriftReferences.of(
                                        DATA,
                                        TRAIN,
                                        HELD_OUT,
                                        DriftReferencesTest::firstValues,
                                        3,
                                        1,
                                        4,
                                        1))
                .hasMessageContaining("expected 3");
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    private static double std(double[] x) {
        double m = mean(x);
        double s = 0;
        for (double v : x) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / x.length);
    }
}
