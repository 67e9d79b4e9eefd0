package mmdigits.trainer.config;

import java.nio.file.Path;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the trainer ({@code trainer.*}); a POST /trainings may override the run's values. */
@ConfigMapping(prefix = "trainer")
public interface TrainerConfig {
    /** Start a run when a DatasetPublished event for a train split arrives. */
    @WithDefault("true")
    boolean autoTrain();

    @WithDefault("10")
    int epochs();

    @WithDefault("128")
    int batchSize();

    @WithDefault("0.001")
    float learningRate();

    @WithDefault("42")
    long seed();

    @WithDefault("0.1")
    float validationFraction();

    @WithDefault("0.2")
    float modalityDropout();

    /** standard (the real model) or small (tests). */
    @WithDefault("standard")
    String model();

    /** Name of the released model: the key on digits.models. */
    @WithDefault("digits")
    String modelName();

    /** model.onnx, metrics.json and the DJL parameters of every release, and latest/. */
    @WithDefault("out/artifacts")
    Path artifactsDir();
}
