package mmdigits.trainer.rest;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import mmdigits.common.proto.ModelRelease;
import mmdigits.common.rest.ProblemException;
import mmdigits.trainer.service.TrainingService;

@Path("/models/latest")
@Tag(name = "models", description = "The latest model this trainer released")
public class ModelResource {
    private final TrainingService service;

    public ModelResource(TrainingService service) {
        this.service = service;
    }

    private ModelRelease latest() {
        return service.latest().orElseThrow(() -> ProblemException.notFound("no model has been released by this trainer yet"));
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> metadata() {
        ModelRelease r = latest();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.getName());
        m.put("version", r.getVersion());
        m.put("createdMs", r.getCreatedMs());
        m.put("dataset", r.getDataset());
        m.put("runId", r.getRunId());
        m.put("embeddingDim", r.getEmbeddingDim());
        m.put("metrics", r.getMetricsMap());
        m.put("onnxBytes", r.getOnnx().size());
        return m;
    }

    @GET
    @Path("/model.onnx")
    @Produces("application/octet-stream")
    public Response onnx() {
        ModelRelease r = latest();
        return Response.ok(r.getOnnx().toByteArray())
                .header("Content-Disposition", "attachment; filename=\"model-" + r.getVersion() + ".onnx\"").build();
    }
}
