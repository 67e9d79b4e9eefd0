package mmdigits.inference.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import mmdigits.inference.kserve.KServe;
import mmdigits.inference.kserve.KServeException;
import mmdigits.inference.kserve.ModelRepository;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The model repository extension over REST (Triton's routes): {@code POST /v2/repository/index},
 * {@code POST /v2/repository/models/{name}/load} and {@code .../unload}, the version in {@code
 * parameters.version}. They act on the replica that answers. The role admin
 * (application.properties).
 */
@Path("/v2/repository")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
@Tag(name = "kserve-v2", description = "KServe v2 / Open Inference Protocol")
public class RepositoryResource {
    private final ModelRepository repository;

    public RepositoryResource(ModelRepository repository) {
        this.repository = repository;
    }

    @POST
    @Path("/index")
    @Operation(
            summary = "Every registered version and its state on this replica",
            description =
                    "{\"ready\": true} lists the loaded versions only. State READY, LOADING or UNAVAILABLE, with the reason.")
    public List<KServe.RepositoryModel> index(KServe.RepositoryIndexRequest body) {
        return repository.index(body != null && Boolean.TRUE.equals(body.ready()));
    }

    @POST
    @Path("/models/{name}/load")
    @Operation(
            summary = "Load a version on this replica and keep it loaded",
            description =
                    "{\"parameters\": {\"version\": \"...\"}}; without a version, the name's newest. Answers once it is ready.")
    @APIResponse(responseCode = "200", description = "loaded (the version's index entry)")
    @APIResponse(responseCode = "404", description = "no such version is registered")
    public KServe.RepositoryModel load(
            @PathParam("name") String name, KServe.RepositoryModelRequest body) {
        return repository.load(name, version(body));
    }

    @POST
    @Path("/models/{name}/unload")
    @Operation(
            summary = "Unload a version from this replica",
            description =
                    "{\"parameters\": {\"version\": \"...\"}}; without a version, every loaded version of the name. Its readiness is false at once; calls in flight finish.")
    @APIResponse(responseCode = "200", description = "unloaded (the versions' index entries)")
    @APIResponse(responseCode = "404", description = "no such version is registered or loaded")
    @APIResponse(
            responseCode = "409",
            description = "the alias serves it (target or candidate) or a scoring job needs it")
    public List<KServe.RepositoryModel> unload(
            @PathParam("name") String name, KServe.RepositoryModelRequest body) {
        return repository.unload(name, version(body));
    }

    private static String version(KServe.RepositoryModelRequest body) {
        if (body == null || body.parameters() == null) {
            return null;
        }
        Map<String, Object> p = body.parameters();
        Object v = p.get("version");
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s) || s.isBlank()) {
            throw new KServeException(400, "parameters.version: expected a version string");
        }
        return s;
    }
}
