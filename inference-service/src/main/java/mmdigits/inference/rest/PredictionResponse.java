package mmdigits.inference.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** The answer for one sample; for a batch, {@link Batch} holds one per instance, in order. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PredictionResponse(
        int label,
        float[] probabilities,
        List<String> modalities,
        String note,
        String modelVersion,
        float[] embedding) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Batch(String modelVersion, List<PredictionResponse> predictions) {}
}
