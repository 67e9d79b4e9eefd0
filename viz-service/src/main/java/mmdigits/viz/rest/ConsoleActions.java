package mmdigits.viz.rest;

import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.Optional;
import mmdigits.common.rest.ProblemException;
import mmdigits.common.sample.SampleIds;
import mmdigits.viz.config.VizConfig;
import mmdigits.viz.console.ServiceCalls;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The console's actions, forwarded to the service that owns each with the caller's token: the page
 * talks to one origin, and the trainer and the inference service check the roles as for any other
 * client (train: {@code train}; promote, rollback: {@code admin}; score: {@code train}). Only a
 * valid token gets this far (any role; application.properties); the answer is passed on as it came.
 */
@Path("/console/actions")
@Tag(name = "console")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class ConsoleActions {
    private final ServiceCalls calls;
    private final Optional<URI> trainer;
    private final Optional<URI> inference;

    public ConsoleActions(ServiceCalls calls, VizConfig config) {
        this.calls = calls;
        this.trainer = config.console().trainerUrl();
        this.inference = config.console().inferenceUrl();
    }

    @POST
    @Path("/trainings")
    @Operation(summary = "Queue a training run: POST /trainings of the trainer, body as there")
    public Response train(@HeaderParam(HttpHeaders.AUTHORIZATION) String auth, String body) {
        return forward(trainer("train"), "/trainings", auth, body);
    }

    @POST
    @Path("/models/{name}/promote")
    @Operation(summary = "Point the alias at a version: POST /models/{name}/promote of the trainer")
    public Response promote(
            @PathParam("name") @Pattern(regexp = SampleIds.NAME_REGEX) String name,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String auth,
            String body) {
        return forward(trainer("promote"), "/models/" + name + "/promote", auth, body);
    }

    @POST
    @Path("/models/rollback")
    @Operation(summary = "Point the alias back: POST /models/rollback of the trainer")
    public Response rollback(@HeaderParam(HttpHeaders.AUTHORIZATION) String auth, String body) {
        return forward(trainer("rollback"), "/models/rollback", auth, body);
    }

    @POST
    @Path("/scorings")
    @Operation(
            summary =
                    "Score a dataset's latest test split: POST /api/scorings of the inference service")
    public Response score(@HeaderParam(HttpHeaders.AUTHORIZATION) String auth, String body) {
        URI base = inference.orElseThrow(() -> notConfigured("score", "viz.console.inference-url"));
        return forward(base, "/api/scorings", auth, body);
    }

    private URI trainer(String action) {
        return trainer.orElseThrow(() -> notConfigured(action, "viz.console.trainer-url"));
    }

    private static ProblemException notConfigured(String action, String key) {
        return ProblemException.unavailable(
                action + ": " + key + " is not set, so this viz forwards no " + action);
    }

    private Response forward(URI base, String path, String auth, String body) {
        ServiceCalls.Answer a =
                calls.post(base, path, auth, body == null || body.isBlank() ? "{}" : body);
        return Response.status(a.status()).type(a.contentType()).entity(a.body()).build();
    }
}
