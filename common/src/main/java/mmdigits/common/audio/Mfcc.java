package mmdigits.common.audio;

import java.util.Arrays;
import mmdigits.common.sample.Dimensions;
import org.jtransforms.fft.DoubleFFT_1D;

/**
 * MFCC of exactly one second at 16 kHz, 39 frames × 13 coefficients, frame-major: pre-emphasis
 * 0.97; Hamming window of 800 samples (symmetric, as numpy.hamming); hop 400, frames at 0, 400, …,
 * 15,200; |FFT|² of size 1024 divided by 1024; 26 triangular mel filters over 0–8 kHz (HTK mel
 * 2595·log10(1+f/700), bin = floor(1025·f/16000)); natural log with floor 1e-10; orthonormal
 * DCT-II, coefficients 0–12. Thread-safe.
 */
public final class Mfcc {
    public static final int SAMPLE_RATE = 16_000;
    public static final int SAMPLES = SAMPLE_RATE;
    static final int FRAME = 800;
    static final int HOP = 400;
    static final int NFFT = 1024;
    static final int FILTERS = 26;
    static final double PRE_EMPHASIS = 0.97;

    private static final double[] WINDOW = new double[FRAME];
    private static final double[][] FILTERBANK = new double[FILTERS][NFFT / 2 + 1];
    private static final double[][] DCT = new double[Dimensions.AUDIO_COEFFICIENTS][FILTERS];
    private static final ThreadLocal<DoubleFFT_1D> FFT =
            ThreadLocal.withInitial(() -> new DoubleFFT_1D(NFFT));

    static {
        for (int n = 0; n < FRAME; n++) {
            WINDOW[n] = 0.54 - 0.46 * Math.cos(2 * Math.PI * n / (FRAME - 1));
        }
        double melMax = 2595 * Math.log10(1 + (SAMPLE_RATE / 2.0) / 700);
        int[] bin = new int[FILTERS + 2];
        for (int i = 0; i < FILTERS + 2; i++) {
            double mel = melMax * i / (FILTERS + 1);
            double hz = 700 * (Math.pow(10, mel / 2595) - 1);
            bin[i] = (int) Math.floor((NFFT + 1) * hz / SAMPLE_RATE);
        }
        for (int m = 1; m <= FILTERS; m++) {
            for (int k = bin[m - 1]; k < bin[m]; k++) {
                FILTERBANK[m - 1][k] = (k - bin[m - 1]) / (double) (bin[m] - bin[m - 1]);
            }
            for (int k = bin[m]; k < bin[m + 1]; k++) {
                FILTERBANK[m - 1][k] = (bin[m + 1] - k) / (double) (bin[m + 1] - bin[m]);
            }
        }
        for (int k = 0; k < Dimensions.AUDIO_COEFFICIENTS; k++) {
            double scale = k == 0 ? Math.sqrt(1.0 / FILTERS) : Math.sqrt(2.0 / FILTERS);
            for (int n = 0; n < FILTERS; n++) {
                DCT[k][n] = scale * Math.cos(Math.PI * k * (2 * n + 1) / (2.0 * FILTERS));
            }
        }
    }

    private Mfcc() {}

    /**
     * @param signal exactly 16,000 samples at 16 kHz
     */
    public static float[] compute(float[] signal) {
        if (signal.length != SAMPLES) {
            throw new IllegalArgumentException(
                    "MFCC needs exactly " + SAMPLES + " samples, got " + signal.length);
        }
        double[] emphasized = new double[SAMPLES];
        emphasized[0] = signal[0];
        for (int i = 1; i < SAMPLES; i++) {
            emphasized[i] = signal[i] - PRE_EMPHASIS * signal[i - 1];
        }
        float[] out = new float[Dimensions.AUDIO];
        double[] buf = new double[NFFT];
        double[] power = new double[NFFT / 2 + 1];
        double[] logMel = new double[FILTERS];
        DoubleFFT_1D fft = FFT.get();
        for (int f = 0; f < Dimensions.AUDIO_FRAMES; f++) {
            int start = f * HOP;
            Arrays.fill(buf, 0);
            for (int n = 0; n < FRAME; n++) {
                buf[n] = emphasized[start + n] * WINDOW[n];
            }
            fft.realForward(buf);
            // JTransforms packs re[0], re[N/2], then (re, im) pairs
            power[0] = buf[0] * buf[0] / NFFT;
            power[NFFT / 2] = buf[1] * buf[1] / NFFT;
            for (int k = 1; k < NFFT / 2; k++) {
                double re = buf[2 * k];
                double im = buf[2 * k + 1];
                power[k] = (re * re + im * im) / NFFT;
            }
            for (int m = 0; m < FILTERS; m++) {
                double e = 0;
                double[] w = FILTERBANK[m];
                for (int k = 0; k < power.length; k++) {
                    e += w[k] * power[k];
                }
                logMel[m] = Math.log(Math.max(e, 1e-10));
            }
            for (int k = 0; k < Dimensions.AUDIO_COEFFICIENTS; k++) {
                double c = 0;
                for (int n = 0; n < FILTERS; n++) {
                    c += DCT[k][n] * logMel[n];
                }
                out[f * Dimensions.AUDIO_COEFFICIENTS + k] = (float) c;
            }
        }
        return out;
    }
}
