package mmdigits.trainer;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import mmdigits.common.sample.SampleIds;

/**
 * A training run asked for: the dataset whose latest train split it learns (required) and optional
 * settings; null means the configured default. {@code model} is the name its version is registered
 * under (default: the dataset's). The upper bound of epochs is configuration ({@code
 * trainer.max-epochs}), checked by the resource.
 */
public record TrainingRequest(
        @NotBlank(message = "is required (the dataset whose train split to learn)")
                @Pattern(regexp = SampleIds.NAME_REGEX, message = SampleIds.NAME_RULE)
                String dataset,
        @Pattern(regexp = SampleIds.NAME_REGEX, message = SampleIds.NAME_RULE) String model,
        @Min(1) Integer epochs,
        @Min(1) @Max(65_536) Integer batchSize,
        @DecimalMin(value = "0", inclusive = false) @DecimalMax("1") Float learningRate,
        Long seed,
        @DecimalMin(value = "0", inclusive = false) @DecimalMax(value = "0.9", inclusive = false)
                Float validationFraction) {

    /** A run of a dataset with every setting at its default. */
    public static TrainingRequest of(String dataset) {
        return new TrainingRequest(dataset, null, null, null, null, null, null);
    }
}
