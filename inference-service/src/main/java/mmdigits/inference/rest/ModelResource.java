package mmdigits.inference.rest;

import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonInclude;

import mmdigits.inference.messaging.TestStreamScorer;
import mmdigits.inference.model.LoadedModel;
import mmdigits.inference.model.ModelRegistry;

@Path("/api/model")
@Tag(name = "predictions")
public class ModelResource {
    private final ModelRegistry registry;
    private final TestStreamScorer stream;

    public ModelResource(ModelRegistry registry, TestStreamScorer stream) {
        this.registry = registry;
        this.stream = stream;
    }

    /** The served model (always 200: {@code loaded} says whether there is one). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ModelStatus(String name, boolean loaded, String version, String dataset, Long createdMs, Integer embeddingDim,
            Map<String, Double> metrics, long streamScored) {
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The loaded model: version, dataset, validation metrics, samples scored from the test stream")
    public ModelStatus get() {
        LoadedModel m = registry.current();
        if (m == null) {
            return new ModelStatus(registry.modelName(), false, null, null, null, null, null, stream.scored());
        }
        return new ModelStatus(m.name(), true, m.version(), m.dataset(), m.createdMs(), m.embeddingDim(), m.metrics(), stream.scored());
    }
}
