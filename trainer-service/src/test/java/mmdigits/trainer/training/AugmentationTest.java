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
        Augmentation a = new Augmentation(0, 0, 0, 1, 5, 1, 2, 0, 0, 0);
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

    static float[] numberedMfcc() {
        float[] mfcc = new float[Dimensions.AUDIO];
        for (int f = 0; f < Dimensions.AUDIO_FRAMES; f++) {
            for (int c = 0; c < Dimensions.AUDIO_COEFFICIENTS; c++) {
                mfcc[f * Dimensions.AUDIO_COEFFICIENTS + c] = f * 100 + c;
            }
        }
        return mfcc;
    }

    @Test
    void timeWarpResamplesFramesAboutTheMiddle() {
        float[] same = numberedMfcc();
        Augmentation.warpTime(same, 1);
        assertThat(same).containsExactly(numberedMfcc());
        float[] slow = numberedMfcc();
        Augmentation.warpTime(slow, 0.5); // frame f from frame (f - 19) / 2 + 19
        assertThat(slow[19 * 13 + 4]).isEqualTo(1904f);
        assertThat(slow[20 * 13 + 4]).isCloseTo(1954f, within(1e-3f)); // halfway 19..20
        assertThat(slow[0 * 13 + 4]).isCloseTo(954f, within(1e-3f)); // at 9.5
        float[] fast = numberedMfcc();
        Augmentation.warpTime(fast, 2); // frame 0 from -19: the first frame repeated
        assertThat(fast[4]).isEqualTo(4f);
        assertThat(fast[38 * 13 + 4]).isEqualTo(3804f);
        assertThat(fast[18 * 13 + 4]).isCloseTo(1704f, within(1e-3f));
    }

    @Test
    void coefficientScalesLeaveC0AndScaleEachCoefficientInEveryFrame() {
        Augmentation a = new Augmentation(0, 0, 0, 0, 0, 0, 0, 0, 0.2f, 0);
        float[] m = numberedMfcc();
        a.audio(m, new SplittableRandom(4));
        float[] src = numberedMfcc();
        for (int c = 0; c < 13; c++) {
            double factor = m[13 + c] / src[13 + c];
            if (c == 0) {
                assertThat(factor).isEqualTo(1.0);
            } else {
                assertThat(factor).isBetween(0.8, 1.2);
            }
            for (int f = 1; f < 39; f++) {
                assertThat((double) m[f * 13 + c])
                        .isCloseTo(src[f * 13 + c] * factor, within(1e-2));
            }
        }
    }
}
