package mmdigits.inference.rest;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The answer for one sample; for a batch, {@link Batch} holds one per instance, in order. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PredictionResponse(int label, float[] probabilities, List<String> modalities, String note, String modelVersion,
        float[] embedding) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Batch(String modelVersion, List<PredictionResponse> predictions) {
    }
}
