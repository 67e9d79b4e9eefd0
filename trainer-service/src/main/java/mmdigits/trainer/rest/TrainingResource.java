package mmdigits.trainer.rest;

import jakarta.validation.Valid;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import mmdigits.common.rest.ProblemException;
import mmdigits.trainer.TrainingRequest;
import mmdigits.trainer.TrainingRun;
import mmdigits.trainer.config.TrainerConfig;
import mmdigits.trainer.service.TrainingService;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/trainings")
@Tag(
        name = "trainings",
        description = "Train the fused model on a dataset's train split and register it as ONNX")
@Produces(MediaType.APPLICATION_JSON)
public class TrainingResource {
    private final TrainingService service;
    private final TrainerConfig config;

    public TrainingResource(TrainingService service, TrainerConfig config) {
        this.service = service;
        this.config = config;
    }

    @POST
    @Operation(
            summary = "Queue a training run",
            description =
                    "dataset (required); optional: model (the name it is registered "
                            + "under; default the dataset's), epochs, batchSize, learningRate, seed, validationFraction.")
    @APIResponse(responseCode = "202", description = "queued; poll GET /trainings/{id}")
    @APIResponse(responseCode = "400", description = "a field is missing or out of range")
    @APIResponse(responseCode = "429", description = "the queue is full")
    public Response start(@Valid TrainingRequest request) {
        if (request == null) {
            throw ProblemException.badRequest(
                    "dataset: is required (the dataset whose train split to learn)", "dataset");
        }
        if (request.epochs() != null && request.epochs() > config.maxEpochs()) {
            throw ProblemException.badRequest(
                    "epochs: must be 1-"
                            + config.maxEpochs()
                            + " (trainer.max-epochs), got "
                            + request.epochs(),
                    "epochs");
        }
        TrainingRun run = service.start(request);
        return Response.accepted(run).header("Location", "/trainings/" + run.id()).build();
    }

    @GET
    @Operation(
            summary = "Every run kept (queued, running, finished), oldest first; ?dataset= filters")
    public List<TrainingRun> list(@QueryParam("dataset") String dataset) {
        return service.runs(dataset);
    }

    @GET
    @Path("/{id}")
    public TrainingRun get(@PathParam("id") String id) {
        return service.run(id)
                .orElseThrow(() -> ProblemException.notFound("no training run " + id));
    }

    @DELETE
    @Path("/{id}")
    @Operation(
            summary = "Cancel a run",
            description =
                    "Any trainer replica takes the request; the one running the training queue "
                            + "cancels a queued run at once and stops the running one at its next batch "
                            + "(nothing is released).")
    @APIResponse(responseCode = "200", description = "cancelled, or cancelling")
    @APIResponse(responseCode = "404", description = "no such run")
    @APIResponse(responseCode = "409", description = "the run has already finished")
    public TrainingRun cancel(@PathParam("id") String id) throws Exception {
        return service.cancel(id);
    }
}
