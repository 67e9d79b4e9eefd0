package mmdigits.trainer.rest;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import mmdigits.common.events.ModelIndex;
import mmdigits.common.proto.CandidateMode;
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

    /** Body of {@code POST /models/{name}/canary}: a registered version and its share, 1-99 %. */
    public record CanaryRequest(
            @NotBlank(message = "is required (the registered version to try)") String version,
            @NotNull(message = "is required (the share of requests, 1-99)")
                    @Min(value = 1, message = "must be an integer from 1 to 99")
                    @Max(value = 99, message = "must be an integer from 1 to 99")
                    @Digits(integer = 2, fraction = 0, message = "must be an integer from 1 to 99")
                    BigDecimal percent) {}

    /** Body of {@code POST /models/{name}/shadow}: a registered version. */
    public record ShadowRequest(
            @NotBlank(message = "is required (the registered version to shadow)") String version) {}

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
    @Operation(
            summary =
                    "End the alias' candidate (canary or shadow), or without one point the alias back at its previous target")
    @APIResponse(responseCode = "200", description = "the alias now")
    @APIResponse(responseCode = "409", description = "there is no earlier target to return to")
    public Registry.AliasState rollback() throws Exception {
        return registry.rollback();
    }

    @POST
    @Path("/{name}/canary")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Answer a share of the alias' requests with a version of this model",
            description =
                    "{\"version\": ..., \"percent\": 1-99}; the target stays and answers the rest. Sticky per request id. "
                            + "A signed ModelPromoted on digits.promotions; see docs/rollouts.md.")
    @APIResponse(responseCode = "200", description = "the alias now, with its candidate")
    @APIResponse(responseCode = "400", description = "no version, or percent not an integer 1-99")
    @APIResponse(responseCode = "404", description = "the version is not registered")
    @APIResponse(
            responseCode = "409",
            description = "the alias has no target yet, or the version is its target")
    public Registry.AliasState canary(
            @PathParam("name") String name, @Valid @NotNull CanaryRequest body) throws Exception {
        return registry.candidate(
                name, body.version(), CandidateMode.CANARY, body.percent().intValueExact());
    }

    @POST
    @Path("/{name}/shadow")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary =
                    "Score a copy of the alias' traffic with a version of this model, answering nobody",
            description =
                    "{\"version\": ...}; its predictions go to digits.predictions marked shadow. See docs/rollouts.md.")
    @APIResponse(responseCode = "200", description = "the alias now, with its candidate")
    @APIResponse(responseCode = "404", description = "the version is not registered")
    @APIResponse(
            responseCode = "409",
            description = "the alias has no target yet, or the version is its target")
    public Registry.AliasState shadow(
            @PathParam("name") String name, @Valid @NotNull ShadowRequest body) throws Exception {
        return registry.candidate(name, body.version(), CandidateMode.SHADOW, 0);
    }

    @POST
    @Path("/candidate/promote")
    @Consumes(MediaType.WILDCARD)
    @Operation(
            summary = "Promote the alias' candidate to 100 %",
            description =
                    "The candidate becomes the target (the old target goes to the history: a rollback returns to it).")
    @APIResponse(responseCode = "200", description = "the alias now")
    @APIResponse(responseCode = "409", description = "the alias has no candidate")
    public Registry.AliasState promoteCandidate() throws Exception {
        return registry.promoteCandidate();
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
