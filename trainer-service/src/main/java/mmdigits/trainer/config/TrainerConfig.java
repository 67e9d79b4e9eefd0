package mmdigits.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/** Settings of the trainer ({@code trainer.*}); a POST /trainings may override the run's values. */
@ConfigMapping(prefix = "trainer")
public interface TrainerConfig {
    /** Queue a run when a train split is published (DatasetPublished on digits.events). */
    @WithDefault("true")
    boolean autoTrain();

    /** Defaults here and in application.properties are FusionConfig's (FusionConfigTest). */
    @WithDefault("7")
    int epochs();

    /** The most epochs a run may ask for. */
    @WithDefault("200")
    int maxEpochs();

    @WithDefault("128")
    int batchSize();

    /** Adam's first learning rate; it decays along a cosine to 1 % of it by the last step. */
    @WithDefault("0.002")
    float learningRate();

    @WithDefault("42")
    long seed();

    @WithDefault("0.1")
    float validationFraction();

    /** Share of training samples that lose one modality (half the image, half the audio). */
    @WithDefault("0.4")
    float modalityDropout();

    /** Shifts, turns and scales images and masks MFCC bands in training (see Augmentation). */
    @WithDefault("true")
    boolean augment();

    /** standard (the real model) or small (tests). */
    @WithDefault("standard")
    String model();

    /** The name a run's model is registered under; default: the run's dataset. */
    Optional<String> modelName();

    /** Runs waiting for the trainer, at most (a further request answers 429). */
    @WithDefault("8")
    int queueCapacity();

    /** Finished runs listed by GET /trainings (older ones are forgotten). */
    @WithDefault("100")
    int runsKept();

    /** model.onnx, metrics.json and the DJL parameters of every release, and latest/. */
    @WithDefault("out/artifacts")
    Path artifactsDir();

    Promotion promotion();

    Registry registry();

    interface Promotion {
        /** The alias that serves (what inference answers for "digits"). */
        @WithDefault("digits")
        String alias();

        /**
         * gate: a new version is promoted when its validation accuracy is not below the promoted
         * version's on the same validation samples (both measured in ONNX Runtime); always: every
         * release is promoted; manual: only POST /models/{name}/promote does.
         */
        @WithDefault("gate")
        String mode();

        /**
         * How far below the promoted version's accuracy a new version may be and still pass the
         * gate.
         */
        @WithDefault("0")
        double tolerance();
    }

    interface Registry {
        /**
         * Versions kept per model name on digits.models (older ones get tombstones); the alias'
         * targets are always kept.
         */
        @WithDefault("3")
        int keepVersions();
    }
}
