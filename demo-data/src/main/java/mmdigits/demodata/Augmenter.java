package mmdigits.demodata;

import java.util.SplittableRandom;
import mmdigits.common.audio.AudioFrontEnd;
import mmdigits.common.audio.Mfcc;
import mmdigits.common.audio.Resampler;

/**
 * Per-sample augmentation of a rendered clip, then the shared front end: speed (tempo and pitch
 * together), gain, fit to one second centred on the speech, time shift, and additive white, pink or
 * brown noise at a signal-to-noise ratio drawn from [snrMin, snrMax] dB.
 */
record Augmenter(
        double snrMinDb, double snrMaxDb, double speedSpread, double gainDb, int maxShift) {

    float[] mfcc(float[] clip, SplittableRandom r) {
        double speed = 1 + speedSpread * (2 * r.nextDouble() - 1);
        float[] x = Resampler.stretch(clip, speed);
        double gain = Math.pow(10, gainDb * (2 * r.nextDouble() - 1) / 20);
        float[] fitted = AudioFrontEnd.fitOneSecond(x);
        int shift = r.nextInt(2 * maxShift + 1) - maxShift;
        float[] y = new float[Mfcc.SAMPLES];
        double power = 0;
        int active = 0;
        for (int i = 0; i < y.length; i++) {
            int j = i - shift;
            if (j >= 0 && j < fitted.length) {
                y[i] = (float) (fitted[j] * gain);
                if (fitted[j] != 0) {
                    power += y[i] * (double) y[i];
                    active++;
                }
            }
        }
        power /= Math.max(1, active);
        double snr = snrMinDb + (snrMaxDb - snrMinDb) * r.nextDouble();
        double[] noise = noise(r.nextInt(3), y.length, r);
        double noisePower = 0;
        for (double n : noise) {
            noisePower += n * n;
        }
        noisePower /= noise.length;
        double scale = Math.sqrt(power / Math.pow(10, snr / 10) / Math.max(noisePower, 1e-20));
        for (int i = 0; i < y.length; i++) {
            y[i] += (float) (noise[i] * scale);
        }
        return Mfcc.compute(y);
    }

    /** 0 white, 1 pink (Paul Kellet's filter), 2 brown (leaky integrator). */
    static double[] noise(int colour, int n, SplittableRandom r) {
        double[] out = new double[n];
        double b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0, brown = 0;
        for (int i = 0; i < n; i++) {
            double w = r.nextGaussian();
            switch (colour) {
                case 0 -> out[i] = w;
                case 1 -> {
                    b0 = 0.99886 * b0 + w * 0.0555179;
                    b1 = 0.99332 * b1 + w * 0.0750759;
                    b2 = 0.96900 * b2 + w * 0.1538520;
                    b3 = 0.86650 * b3 + w * 0.3104856;
                    b4 = 0.55000 * b4 + w * 0.5329522;
                    b5 = -0.7616 * b5 - w * 0.0168980;
                    out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
                    b6 = w * 0.115926;
                }
                default -> {
                    brown = 0.995 * brown + w * 0.1;
                    out[i] = brown;
                }
            }
        }
        return out;
    }
}
