package mmdigits.inference.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import mmdigits.common.events.ModelIndex;
import mmdigits.common.events.Promotions;
import mmdigits.inference.jobs.PartitionProgress;
import mmdigits.inference.messaging.InferenceLogs;
import mmdigits.inference.messaging.TestStreamScorer;
import mmdigits.inference.model.ModelInfo;
import mmdigits.inference.model.ModelRegistry;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api")
@Tag(name = "models", description = "The models this replica serves")
@Produces(MediaType.APPLICATION_JSON)
public class ModelResource {
    private final ModelRegistry registry;
    private final TestStreamScorer stream;
    private final InferenceLogs logs;

    public ModelResource(ModelRegistry registry, TestStreamScorer stream, InferenceLogs logs) {
        this.registry = registry;
        this.stream = stream;
        this.logs = logs;
    }

    /** The alias' model (always 200: {@code loaded} says whether there is one). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ModelStatus(
            String alias,
            String name,
            boolean loaded,
            String version,
            String dataset,
            Long sequence,
            Long createdMs,
            Integer embeddingDim,
            Map<String, Double> metrics,
            String promotion,
            long streamScored) {}

    /** One loaded model. */
    public record Loaded(
            String name,
            String version,
            String dataset,
            long sequence,
            int embeddingDim,
            Map<String, Double> metrics) {
        static Loaded of(ModelInfo m) {
            return new Loaded(
                    m.name(),
                    m.version(),
                    m.dataset(),
                    m.sequence(),
                    m.embeddingDim(),
                    m.metrics());
        }
    }

    /**
     * The alias, the loaded models, the registered versions, the scoring jobs and this replica's
     * partitions.
     */
    public record Models(
            ModelStatus alias,
            List<Promotions.Target> aliasHistory,
            List<Loaded> loaded,
            List<ModelIndex.Version> registered,
            int pendingJobs,
            Map<Integer, PartitionProgress> partitions,
            long scoredByJobs) {}

    @GET
    @Path("/model")
    @Operation(
            summary =
                    "The alias' model: version, dataset, validation metrics, samples scored from the test topic")
    public ModelStatus get() {
        ModelInfo m = registry.served();
        String promotion = logs.promotion().map(Promotions.State::reason).orElse(null);
        if (m == null) {
            return new ModelStatus(
                    registry.alias(),
                    null,
                    false,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    promotion,
                    stream.scored());
        }
        return new ModelStatus(
                registry.alias(),
                m.name(),
                true,
                m.version(),
                m.dataset(),
                m.sequence(),
                m.createdMs(),
                m.embeddingDim(),
                m.metrics(),
                promotion,
                stream.scored());
    }

    @GET
    @Path("/models")
    @Operation(
            summary = "Every model this replica serves, every registered version, the scoring jobs")
    public Models all() {
        return new Models(
                get(),
                logs.promotion().map(Promotions.State::history).orElse(List.of()),
                registry.loaded().stream().map(Loaded::of).toList(),
                logs.index().all(),
                logs.jobs().size(),
                stream.progress(),
                stream.scoredByJobs());
    }
}
