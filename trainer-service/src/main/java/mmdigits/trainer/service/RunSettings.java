package mmdigits.trainer.service;

import java.util.Optional;
import mmdigits.common.proto.TrainingQueued;
import mmdigits.common.rest.ProblemException;
import mmdigits.common.sample.SampleIds;
import mmdigits.trainer.TrainingRequest;
import mmdigits.trainer.config.TrainerConfig;
import mmdigits.trainer.training.Augmentation;
import mmdigits.trainer.training.FusionConfig;
import mmdigits.trainer.training.FusionSpec;

/**
 * A run's settings: what the request gives, else the service's {@code trainer.*} settings. The
 * replica that runs a queued run resolves them again from its TrainingQueued event, so every
 * replica runs it alike.
 */
final class RunSettings {
    private final TrainerConfig config;

    RunSettings(TrainerConfig config) {
        this.config = config;
    }

    /**
     * The name the run's model is registered under: the request's, else trainer.model-name, else
     * the dataset's.
     *
     * @throws ProblemException 400 when it is no valid name
     */
    String modelName(TrainingRequest r) {
        String name = r.model() != null ? r.model() : config.modelName().orElse(r.dataset());
        if (!SampleIds.isValidDataset(name)) {
            throw ProblemException.badRequest(
                    "model: must be 1-100 characters of letters, digits, '.', '_' or '-', got '"
                            + name
                            + "'",
                    "model");
        }
        return name;
    }

    /** The trainer's settings: the request's values over the service's. */
    FusionConfig trainerConfig(TrainingRequest r) {
        return FusionConfig.builder()
                .optEpochs(or(r.epochs(), config.epochs()))
                .optBatchSize(or(r.batchSize(), config.batchSize()))
                .optLearningRate(or(r.learningRate(), config.learningRate()))
                .optSeed(or(r.seed(), config.seed()))
                .optValidationFraction(or(r.validationFraction(), config.validationFraction()))
                .optModalityDropout(config.modalityDropout())
                .optSpec(
                        "small".equals(config.model()) ? FusionSpec.small() : FusionSpec.standard())
                .optAugmentation(config.augment() ? Augmentation.standard() : Augmentation.none())
                .build();
    }

    /** The run a TrainingQueued event asks for, with its settings resolved. */
    RunExecutor.Job job(TrainingQueued q) {
        TrainingRequest asQueued =
                new TrainingRequest(
                        q.getDataset(),
                        q.getModelName(),
                        q.getEpochs(),
                        q.getBatchSize(),
                        (float) q.getLearningRate(),
                        q.getSeed(),
                        (float) q.getValidationFraction());
        return new RunExecutor.Job(
                q.getRunId(), q.getDataset(), q.getModelName(), trainerConfig(asQueued));
    }

    private static <T> T or(T requested, T configured) {
        return Optional.ofNullable(requested).orElse(configured);
    }
}
