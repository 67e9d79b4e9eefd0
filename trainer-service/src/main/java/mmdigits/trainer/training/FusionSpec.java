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
     * The default model (~0.31 M parameters, a 192-wide embedding): the image branch a two-block
     * MNIST CNN (24 and 48 channels of 3×3 without padding, each pooled 2×2 before its batch norm
     * and ReLU — the same function as after them, on a quarter of the values — dropout 0.25, 128
     * units), the audio branch a two-layer MLP (256, 64 units), a dropout and a linear classifier
     * over both. The second convolution is most of the work: 24/48 channels instead of 32/64 take
     * 0.56 of its multiply-adds and ten epochs of 54,000 samples about a third less time, for test
     * accuracies 0.9985 / 0.9926 / 0.8738 (fused / image / audio; 32/64: 0.9984-0.9989 / 0.9938 /
     * 0.8713-0.8818; bench/model.sh on the demo data).
     */
    public static FusionSpec standard() {
        return withCnn(24, 48, 128);
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
