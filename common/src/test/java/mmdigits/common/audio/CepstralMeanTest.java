package mmdigits.common.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import mmdigits.common.sample.Dimensions;
import org.junit.jupiter.api.Test;

class CepstralMeanTest {
    @Test
    void takesEachCoefficientsMeanOverTheFramesAway() {
        float[] mfcc = new float[Dimensions.AUDIO];
        for (int f = 0; f < Dimensions.AUDIO_FRAMES; f++) {
            for (int c = 0; c < Dimensions.AUDIO_COEFFICIENTS; c++) {
                // coefficient c: c * 10 plus frame number, whose mean over 0..38 is 19
                mfcc[f * Dimensions.AUDIO_COEFFICIENTS + c] = c * 10 + f;
            }
        }
        float[] n = CepstralMean.normalised(mfcc);
        assertThat(n[0]).isEqualTo(-19f);
        assertThat(n[5]).isEqualTo(-19f);
        assertThat(n[38 * Dimensions.AUDIO_COEFFICIENTS + 12]).isEqualTo(19f);
        assertThat(n[19 * Dimensions.AUDIO_COEFFICIENTS + 7]).isZero();
        assertThat(mfcc[5]).as("the input is left alone").isEqualTo(50f);
    }

    @Test
    void aConstantChannelOffsetVanishes() {
        float[] mfcc = new float[Dimensions.AUDIO];
        float[] shifted = new float[Dimensions.AUDIO];
        for (int i = 0; i < mfcc.length; i++) {
            mfcc[i] = (float) Math.sin(i * 0.37) * 20;
            shifted[i] = mfcc[i] + 3.5f * (i % Dimensions.AUDIO_COEFFICIENTS) - 40;
        }
        float[] a = CepstralMean.normalised(mfcc);
        float[] b = CepstralMean.normalised(shifted);
        for (int i = 0; i < a.length; i++) {
            assertThat(b[i]).isCloseTo(a[i], within(1e-4f));
        }
    }

    @Test
    void refusesAnotherLength() {
        assertThatThrownBy(() -> CepstralMean.normalised(new float[500]))
                .hasMessageContaining("507")
                .hasMessageContaining("500");
    }
}
