package mmdigits.trainer.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import mmdigits.common.events.ModelIndex;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.rest.ProblemException;
import mmdigits.trainer.messaging.TrainerLogs;
import mmdigits.trainer.registry.Registry;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/models")
@Tag(
        name = "models",
        description =
                "The model registry: versions per name, the alias that serves, promotion and rollback")
@Produces(MediaType.APPLICATION_JSON)
public class ModelResource {
    private final TrainerLogs logs;
    private final Registry registry;

    public ModelResource(TrainerLogs logs, Registry registry) {
        this.logs = logs;
        this.registry = registry;
    }

    /**
     * One registered version; {@code sequence} is its place on digits.models (the release order).
     */
    public record VersionInfo(
            String name,
            String version,
            String dataset,
            String runId,
            long sequence,
            long createdMs,
            int embeddingDim,
            long onnxBytes,
            Map<String, Double> metrics,
            boolean promoted) {}

    public record Registered(Registry.AliasState alias, List<VersionInfo> versions) {}

    public record PromoteRequest(String version) {}

    private VersionInfo info(ModelIndex.Version v) {
        Registry.AliasState a = registry.state();
        return new VersionInfo(
                v.name(),
                v.version(),
                v.dataset(),
                v.runId(),
                v.sequence(),
                v.createdMs(),
                v.embeddingDim(),
                v.onnxBytes(),
                v.metrics(),
                v.name().equals(a.name()) && v.version().equals(a.version()));
    }

    @GET
    @Operation(summary = "The alias' target and every registered version, oldest first")
    public Registered all() {
        return new Registered(
                registry.state(), logs.index().all().stream().map(this::info).toList());
    }

    @GET
    @Path("/latest")
    @Operation(summary = "The newest registered version")
    public VersionInfo latest() {
        return info(newest());
    }

    @GET
    @Path("/latest/model.onnx")
    @Produces("application/octet-stream")
    public Response latestOnnx() throws Exception {
        return onnx(newest());
    }

    @GET
    @Path("/{name}")
    @Operation(summary = "The registered versions of a model name, oldest first")
    public List<VersionInfo> versions(@PathParam("name") String name) {
        List<ModelIndex.Version> v = logs.index().versions(name);
        if (v.isEmpty()) {
            throw ProblemException.notFound(
                    "name: no version of model '" + name + "' is registered");
        }
        return v.stream().map(this::info).toList();
    }

    @GET
    @Path("/{name}/versions/{version}/model.onnx")
    @Produces("application/octet-stream")
    public Response versionOnnx(
            @PathParam("name") String name, @PathParam("version") String version) throws Exception {
        return onnx(
                logs.index()
                        .get(name, version)
                        .orElseThrow(
                                () ->
                                        ProblemException.notFound(
                                                "version: model '"
                                                        + name
                                                        + "' has no registered version '"
                                                        + version
                                                        + "'")));
    }

    @POST
    @Path("/{name}/promote")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Point the alias at a version of this model",
            description =
                    "{\"version\": ...}; without it, the newest "
                            + "version. Recorded as a signed ModelPromoted on digits.promotions; every inference replica switches without a failed request.")
    @APIResponse(responseCode = "200", description = "the alias now")
    @APIResponse(responseCode = "404", description = "no such name or version")
    public Registry.AliasState promote(@PathParam("name") String name, PromoteRequest body)
            throws Exception {
        return registry.promote(name, body == null ? null : body.version(), "promoted on request");
    }

    @POST
    @Path("/{name}/promote")
    @Consumes(MediaType.WILDCARD)
    @Operation(
            summary =
                    "Point the alias at the newest version of this model (a request without a body)")
    public Registry.AliasState promoteNewest(@PathParam("name") String name) throws Exception {
        return registry.promote(name, null, "promoted on request");
    }

    @POST
    @Path("/rollback")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Point the alias back at its previous target")
    @APIResponse(responseCode = "200", description = "the alias now")
    @APIResponse(responseCode = "409", description = "there is no earlier target to return to")
    public Registry.AliasState rollback() throws Exception {
        return registry.rollback();
    }

    private ModelIndex.Version newest() {
        return logs.index()
                .newest()
                .orElseThrow(() -> ProblemException.notFound("no model is registered yet"));
    }

    private Response onnx(ModelIndex.Version v) throws Exception {
        ModelRelease r = logs.release(v);
        return Response.ok(r.getOnnx().toByteArray())
                .header(
                        "Content-Disposition",
                        "attachment; filename=\"model-"
                                + r.getName()
                                + "-"
                                + r.getVersion()
                                + ".onnx\"")
                .build();
    }
}
