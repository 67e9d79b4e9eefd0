package mmdigits.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import mmdigits.common.audio.CepstralMean;
import mmdigits.common.sample.Dimensions;
import org.junit.jupiter.api.Test;

class AugmentationTest {
    static float[] numberedImage() {
        float[] img = new float[Dimensions.IMAGE];
        for (int i = 0; i < img.length; i++) {
            img[i] = i % 251;
        }
        return img;
    }

    @Test
    void aWholePixelShiftMovesEveryPixelAndFillsZeros() {
        float[] src = numberedImage();
        float[] out = Augmentation.affine(src, 0, 1, 2, -1); // 2 right, 1 up
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                int sx = x - 2;
                int sy = y + 1;
                float expected = sx < 0 || sy > 27 ? 0 : src[sy * 28 + sx];
                assertThat(out[y * 28 + x]).as("(%d, %d)", x, y).isCloseTo(expected, within(1e-3f));
            }
        }
    }

    @Test
    void aQuarterTurnAboutTheCentreIsExact() {
        float[] src = numberedImage();
        float[] out = Augmentation.affine(src, Math.PI / 2, 1, 0, 0);
        // turned by +90° in image coordinates (y down): out(x, y) = src(y, 27 - x)
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                assertThat(out[y * 28 + x])
                        .as("(%d, %d)", x, y)
                        .isCloseTo(src[(27 - x) * 28 + y], within(1e-3f));
            }
        }
    }

    @Test
    void doublingTheScaleSamplesHalfwayBetweenPixels() {
        float[] src = numberedImage();
        float[] out = Augmentation.affine(src, 0, 2, 0, 0);
        // out(x, y) = src(13.5 + (x - 13.5) / 2, ...): at x = y = 14, src at (13.75, 13.75)
        double expected =
                src[13 * 28 + 13] * 0.0625
                        + src[13 * 28 + 14] * 0.1875
                        + src[14 * 28 + 13] * 0.1875
                        + src[14 * 28 + 14] * 0.5625;
        assertThat(out[14 * 28 + 14]).isCloseTo((float) expected, within(1e-3f));
    }

    @Test
    void randomMovesStayWithinTheirBoundsAndKeepTheInk() {
        Augmentation a = Augmentation.standard();
        float[] blob = new float[Dimensions.IMAGE];
        for (int y = 10; y < 18; y++) {
            for (int x = 10; x < 18; x++) {
                blob[y * 28 + x] = 200;
            }
        }
        SplittableRandom r = new SplittableRandom(1);
        double ink = sum(blob);
        for (int k = 0; k < 200; k++) {
            float[] out = a.image(blob, r);
            // area scales with scale² in [0.81, 1.21]; bilinear edges blur a little
            assertThat(sum(out) / ink).isBetween(0.78, 1.25);
            assertThat(out[0]).as("the corners stay empty").isZero();
        }
        assertThat(Augmentation.none().image(blob, r)).isSameAs(blob);
    }

    @Test
    void masksBecomeZerosAfterCepstralMeanNormalisation() {
        Augmentation a = new Augmentation(0, 0, 0, 1, 5, 1, 2);
        float[] mfcc = new float[Dimensions.AUDIO];
        SplittableRandom values = new SplittableRandom(3);
        for (int i = 0; i < mfcc.length; i++) {
            mfcc[i] = (float) values.nextDouble(-30, 30);
        }
        int masked = 0;
        for (int seed = 0; seed < 50; seed++) {
            float[] m = mfcc.clone();
            a.audio(m, new SplittableRandom(seed));
            int changed = 0;
            for (int c = 0; c < Dimensions.AUDIO_COEFFICIENTS; c++) {
                double mean = CepstralMean.mean(mfcc, c);
                for (int f = 0; f < Dimensions.AUDIO_FRAMES; f++) {
                    int i = f * Dimensions.AUDIO_COEFFICIENTS + c;
                    if (m[i] != mfcc[i]) {
                        changed++;
                        assertThat((double) m[i]).isCloseTo(mean, within(1e-4));
                    }
                }
            }
            // at most one band of 5 frames and one of 2 coefficients
            assertThat(changed).isLessThanOrEqualTo(5 * 13 + 2 * 39);
            masked += changed;
        }
        assertThat(masked).as("masks do happen").isGreaterThan(1000);
    }

    static double sum(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s;
    }
}
