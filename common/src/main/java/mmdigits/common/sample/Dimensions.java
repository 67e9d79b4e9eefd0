package mmdigits.common.sample;

/** Shapes of the two modalities, as in the original data files. */
public final class Dimensions {
    public static final int IMAGE_HEIGHT = 28;
    public static final int IMAGE_WIDTH = 28;

    /** 28x28 image, row-major. */
    public static final int IMAGE = IMAGE_HEIGHT * IMAGE_WIDTH;

    public static final int AUDIO_FRAMES = 39;
    public static final int AUDIO_COEFFICIENTS = 13;

    /** 39 frames x 13 MFCC coefficients, frame-major. */
    public static final int AUDIO = AUDIO_FRAMES * AUDIO_COEFFICIENTS;

    public static final int CLASSES = 10;

    private Dimensions() {}
}
