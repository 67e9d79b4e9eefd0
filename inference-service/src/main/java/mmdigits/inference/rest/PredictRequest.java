package mmdigits.inference.rest;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Body of {@code POST /api/predictions}: one sample ({@code image}/{@code audio}) or {@code
 * instances}.
 */
@Schema(
        description =
                "One sample, or a batch in 'instances'. Either modality may be omitted (the model was trained for it).")
public record PredictRequest(
        @Schema(
                        description =
                                "28x28 image, row-major, raw values as in x_test_wr.npy (0-255)",
                        minItems = 784,
                        maxItems = 784)
                float[] image,
        @Schema(
                        description = "39x13 MFCC, frame-major, raw values as in x_test_sp.npy",
                        minItems = 507,
                        maxItems = 507)
                float[] audio,
        @Schema(description = "a batch of samples, each {image, audio}") List<Item> instances) {

    public record Item(float[] image, float[] audio) {}
}
