package mmdigits.trainer.training;

/**
 * The settings of one training run. Built as DJL builds its configs: {@link #builder()}, {@code
 * opt*} for the optional settings (every one has its default here, the one place they are written;
 * the service's {@code trainer.*} defaults in application.properties agree, which FusionConfigTest
 * checks), {@link #toBuilder()} to change a copy.
 */
public record FusionConfig(
        int epochs,
        int batchSize,
        float learningRate,
        long seed,
        float validationFraction,
        float modalityDropout,
        FusionSpec spec,
        Augmentation augmentation) {

    public static FusionConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .optEpochs(epochs)
                .optBatchSize(batchSize)
                .optLearningRate(learningRate)
                .optSeed(seed)
                .optValidationFraction(validationFraction)
                .optModalityDropout(modalityDropout)
                .optSpec(spec)
                .optAugmentation(augmentation);
    }

    /** The settings, each with its default until set. */
    public static final class Builder {
        private int epochs = 7;
        private int batchSize = 128;
        private float learningRate = 2e-3f;
        private long seed = 42;
        private float validationFraction = 0.1f;
        private float modalityDropout = 0.4f;
        private FusionSpec spec = FusionSpec.standard();
        private Augmentation augmentation = Augmentation.standard();

        private Builder() {}

        public Builder optEpochs(int value) {
            epochs = value;
            return this;
        }

        public Builder optBatchSize(int value) {
            batchSize = value;
            return this;
        }

        /** Adam's first learning rate; it decays along a cosine to 1 % of it by the last step. */
        public Builder optLearningRate(float value) {
            learningRate = value;
            return this;
        }

        public Builder optSeed(long value) {
            seed = value;
            return this;
        }

        /** The share of each class held out for validation, in (0, 0.9). */
        public Builder optValidationFraction(float value) {
            validationFraction = value;
            return this;
        }

        /** The share of training samples that lose one modality. */
        public Builder optModalityDropout(float value) {
            modalityDropout = value;
            return this;
        }

        public Builder optSpec(FusionSpec value) {
            spec = value;
            return this;
        }

        public Builder optAugmentation(Augmentation value) {
            augmentation = value;
            return this;
        }

        public FusionConfig build() {
            return new FusionConfig(
                    epochs,
                    batchSize,
                    learningRate,
                    seed,
                    validationFraction,
                    modalityDropout,
                    spec,
                    augmentation);
        }
    }
}
