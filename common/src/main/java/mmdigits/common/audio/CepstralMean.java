package mmdigits.common.audio;

import mmdigits.common.sample.Dimensions;

/**
 * Cepstral mean normalisation: from each of the 13 coefficients, its mean over the utterance's 39
 * frames is taken away, which removes what the channel and the speaker's voice add to every frame
 * alike (gain, microphone, vocal-tract tilt). The model does this itself, in its first step (DJL
 * block and ONNX graph alike), so the raw MFCC of the files, of streamed samples and of WAV uploads
 * all meet the same normalisation; this is the reference the model's statistics and tests use.
 */
public final class CepstralMean {
    private CepstralMean() {}

    /** A normalised copy of one utterance's MFCC, frames × coefficients, row-major. */
    public static float[] normalised(float[] mfcc) {
        if (mfcc.length != Dimensions.AUDIO) {
            throw new IllegalArgumentException(
                    "MFCC must have " + Dimensions.AUDIO + " values, got " + mfcc.length);
        }
        float[] out = mfcc.clone();
        for (int c = 0; c < Dimensions.AUDIO_COEFFICIENTS; c++) {
            float mean = (float) mean(mfcc, c);
            for (int f = 0; f < Dimensions.AUDIO_FRAMES; f++) {
                out[f * Dimensions.AUDIO_COEFFICIENTS + c] -= mean;
            }
        }
        return out;
    }

    /** Mean of coefficient {@code c} over the frames. */
    public static double mean(float[] mfcc, int c) {
        double sum = 0;
        for (int f = 0; f < Dimensions.AUDIO_FRAMES; f++) {
            sum += mfcc[f * Dimensions.AUDIO_COEFFICIENTS + c];
        }
        return sum / Dimensions.AUDIO_FRAMES;
    }
}
