package mmdigits.common.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AudioFrontEndTest {
    @Test
    void speechIsCentredInExactlyOneSecond() {
        // 2 s of silence with a 0.3 s tone burst from 0.2 s to 0.5 s: its centre (0.35 s) moves to
        // 0.5 s
        float[] x = new float[32000];
        for (int i = 3200; i < 8000; i++) {
            x[i] = (float) Math.sin(i * 0.3);
        }
        float[] y = AudioFrontEnd.fitOneSecond(x);
        assertThat(y).hasSize(16000);
        int first = 0;
        while (y[first] == 0) {
            first++;
        }
        int last = y.length - 1;
        while (y[last] == 0) {
            last--;
        }
        assertThat((first + last) / 2.0).isCloseTo(8000, within(2.0));
        assertThat(last - first).isCloseTo(4800, within(3));

        float[] shortClip = {0.5f, -0.5f, 0.25f};
        float[] padded = AudioFrontEnd.fitOneSecond(shortClip);
        assertThat(padded[7999]).isEqualTo(0.5f);
        assertThat(padded[8001]).isEqualTo(0.25f);
    }

    @Test
    void resamplingKeepsAToneAndDropsWhatTheNewRateCannotHold() {
        int from = 44100;
        float[] x = new float[from];
        for (int i = 0; i < from; i++) {
            x[i] =
                    (float)
                            (0.5 * Math.sin(2 * Math.PI * 1000 * i / from)
                                    + 0.3 * Math.sin(2 * Math.PI * 12000 * i / from));
        }
        float[] y = Resampler.resample(x, from, 16000);
        assertThat(y).hasSize(16000);
        // away from the edges: the 1 kHz tone survives, the 12 kHz one (above 8 kHz) is filtered
        // out
        double err = 0;
        for (int i = 1000; i < 15000; i++) {
            err = Math.max(err, Math.abs(y[i] - 0.5 * Math.sin(2 * Math.PI * 1000 * i / 16000.0)));
        }
        assertThat(err).isLessThan(0.02);
    }

    @Test
    void wavToMfccEndToEnd() throws Exception {
        float[] x = new float[8000 * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] =
                    i > 4000 && i < 9000
                            ? (float) (0.4 * Math.sin(2 * Math.PI * 300 * i / 8000.0))
                            : 0f;
        }
        float[] mfcc = AudioFrontEnd.fromWav(Wav.encodePcm16(x, 8000), "tone.wav");
        assertThat(mfcc).hasSize(507);
        // the middle frame holds the tone, the first frame is silence at the log floor
        assertThat(mfcc[19 * 13]).isGreaterThan(mfcc[0] + 50);
        assertThat(mfcc[0]).isCloseTo((float) (Math.sqrt(26) * Math.log(1e-10)), within(1e-3f));
    }
}
