package mmdigits.trainer.training;

import java.util.List;
import mmdigits.common.sample.Dimensions;

/**
 * The architecture: an image CNN over 1×28×28 and an audio MLP over the 507 MFCC values, whose
 * outputs are concatenated into the embedding, then a linear classifier to 10 logits.
 */
public record FusionSpec(
        List<Layer> image,
        List<Layer> audio,
        List<Layer> classifier,
        int imageFeatures,
        int audioFeatures) {

    public int embeddingDim() {
        return imageFeatures + audioFeatures;
    }

    /**
     * The default model (~0.37 M parameters, a 192-wide embedding): the image branch a two-block
     * MNIST CNN (32 and 64 channels of 3×3 without padding, each pooled 2×2 before its batch norm
     * and ReLU — the same function as after them, on a quarter of the values — dropout 0.25, 128
     * units), the audio branch a two-layer MLP (256, 64 units), a dropout and a linear classifier
     * over both.
     */
    public static FusionSpec standard() {
        return withCnn(32, 64, 128);
    }

    /** The standard audio branch and classifier with a CNN of {@code c1}, {@code c2} channels. */
    public static FusionSpec withCnn(int c1, int c2, int img) {
        int aud = 64;
        List<Layer> image =
                List.of(
                        new Layer.Conv(1, c1, 3, 0),
                        new Layer.MaxPool(2),
                        new Layer.BatchNorm(c1, 1e-5f, 0.9f),
                        new Layer.Relu(),
                        new Layer.Conv(c1, c2, 3, 0),
                        new Layer.MaxPool(2),
                        new Layer.BatchNorm(c2, 1e-5f, 0.9f),
                        new Layer.Relu(),
                        new Layer.Flatten(),
                        new Layer.Dropout(0.25f),
                        new Layer.Dense(c2 * 5 * 5, img),
                        new Layer.Relu());
        List<Layer> audio =
                List.of(
                        new Layer.Dense(Dimensions.AUDIO, 256),
                        new Layer.Relu(),
                        new Layer.Dropout(0.3f),
                        new Layer.Dense(256, aud),
                        new Layer.Relu());
        List<Layer> classifier =
                List.of(new Layer.Dropout(0.3f), new Layer.Dense(img + aud, Dimensions.CLASSES));
        return new FusionSpec(image, audio, classifier, img, aud);
    }

    /** A small model for tests: same layer types, fewer units. */
    public static FusionSpec small() {
        int img = 16;
        int aud = 16;
        List<Layer> image =
                List.of(
                        new Layer.Conv(1, 4, 3, 1),
                        new Layer.BatchNorm(4, 1e-5f, 0.9f),
                        new Layer.Relu(),
                        new Layer.MaxPool(2),
                        new Layer.Conv(4, 8, 3, 1),
                        new Layer.BatchNorm(8, 1e-5f, 0.9f),
                        new Layer.Relu(),
                        new Layer.MaxPool(2),
                        new Layer.Flatten(),
                        new Layer.Dense(8 * 7 * 7, img),
                        new Layer.Relu());
        List<Layer> audio =
                List.of(
                        new Layer.Dense(Dimensions.AUDIO, 32),
                        new Layer.Relu(),
                        new Layer.Dense(32, aud),
                        new Layer.Relu());
        List<Layer> classifier = List.of(new Layer.Dense(img + aud, Dimensions.CLASSES));
        return new FusionSpec(image, audio, classifier, img, aud);
    }
}
