package mmdigits.common.audio;

/**
 * The one audio front end of the project (demo data and WAV uploads alike): WAV → mono → 16 kHz →
 * exactly one second centred on the speech → 39×13 MFCC.
 */
public final class AudioFrontEnd {
    /** Frames of 10 ms for finding the speech. */
    private static final int ENERGY_FRAME = 160;

    /** A frame is speech when its energy is within this many dB of the loudest frame. */
    private static final double SPEECH_DB = 35;

    private AudioFrontEnd() {}

    /** Recordings longer than this are refused unless a caller sets its own limit. */
    public static final double MAX_SECONDS = 30;

    public static float[] fromWav(byte[] wav, String source) throws InvalidAudioException {
        return fromWav(wav, source, MAX_SECONDS);
    }

    /**
     * The MFCC of a recording of at most {@code maxSeconds} (checked from the header, before
     * decoding).
     */
    public static float[] fromWav(byte[] wav, String source, double maxSeconds)
            throws InvalidAudioException {
        Wav.Audio audio = Wav.decode(wav, source, maxSeconds);
        return Mfcc.compute(
                fitOneSecond(
                        Resampler.resample(audio.samples(), audio.sampleRate(), Mfcc.SAMPLE_RATE)));
    }

    /**
     * Exactly 16,000 samples: the span from the first to the last speech frame is centred; longer
     * input is cropped around that centre, shorter zero-padded.
     */
    public static float[] fitOneSecond(float[] x) {
        int[] span = speechSpan(x);
        int centre = (span[0] + span[1]) / 2;
        int start = centre - Mfcc.SAMPLES / 2;
        float[] out = new float[Mfcc.SAMPLES];
        for (int i = 0; i < Mfcc.SAMPLES; i++) {
            int j = start + i;
            if (j >= 0 && j < x.length) {
                out[i] = x[j];
            }
        }
        return out;
    }

    /**
     * [first, last) sample of the frames within {@value #SPEECH_DB} dB of the loudest; all of x if
     * silent.
     */
    static int[] speechSpan(float[] x) {
        int frames = Math.max(1, (x.length + ENERGY_FRAME - 1) / ENERGY_FRAME);
        double[] energy = new double[frames];
        double max = 0;
        for (int f = 0; f < frames; f++) {
            double e = 0;
            for (int i = f * ENERGY_FRAME; i < Math.min(x.length, (f + 1) * ENERGY_FRAME); i++) {
                e += (double) x[i] * x[i];
            }
            energy[f] = e;
            max = Math.max(max, e);
        }
        if (max == 0) {
            return new int[] {0, x.length};
        }
        double threshold = max * Math.pow(10, -SPEECH_DB / 10);
        int first = 0;
        while (energy[first] < threshold) {
            first++;
        }
        int last = frames - 1;
        while (energy[last] < threshold) {
            last--;
        }
        return new int[] {first * ENERGY_FRAME, Math.min(x.length, (last + 1) * ENERGY_FRAME)};
    }
}
