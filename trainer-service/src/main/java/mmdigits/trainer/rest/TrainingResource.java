package mmdigits.trainer.rest;

import java.util.List;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import mmdigits.common.rest.ProblemException;
import mmdigits.common.sample.SampleIds;
import mmdigits.trainer.TrainingRun;
import mmdigits.trainer.config.TrainerConfig;
import mmdigits.trainer.service.TrainingService;

@Path("/trainings")
@Tag(name = "trainings", description = "Train the fused model on a dataset's train split and register it as ONNX")
@Produces(MediaType.APPLICATION_JSON)
public class TrainingResource {
    private final TrainingService service;
    private final TrainerConfig config;

    public TrainingResource(TrainingService service, TrainerConfig config) {
        this.service = service;
        this.config = config;
    }

    @POST
    @Operation(summary = "Queue a training run", description = "dataset (required); optional: model (the name it is registered "
            + "under; default the dataset's), epochs, batchSize, learningRate, seed, validationFraction.")
    @APIResponse(responseCode = "202", description = "queued; poll GET /trainings/{id}")
    @APIResponse(responseCode = "400", description = "a field is missing or out of range")
    @APIResponse(responseCode = "429", description = "the queue is full")
    public Response start(TrainingService.Request request) {
        TrainingService.Request r = request == null ? new TrainingService.Request(null, null, null, null, null, null, null) : request;
        validate(r);
        TrainingRun run = service.start(r);
        return Response.accepted(run).header("Location", "/trainings/" + run.id()).build();
    }

    private void validate(TrainingService.Request r) {
        if (r.dataset() == null || r.dataset().isBlank()) {
            throw ProblemException.badRequest("dataset: is required (the dataset whose train split to learn)", "dataset");
        }
        if (!SampleIds.isValidDataset(r.dataset())) {
            throw ProblemException.badRequest("dataset: must be 1-100 characters of letters, digits, '.', '_' or '-', got '"
                    + r.dataset() + "'", "dataset");
        }
        if (r.epochs() != null && (r.epochs() < 1 || r.epochs() > config.maxEpochs())) {
            throw ProblemException.badRequest("epochs: must be 1-" + config.maxEpochs() + " (trainer.max-epochs), got " + r.epochs(),
                    "epochs");
        }
        if (r.batchSize() != null && (r.batchSize() < 1 || r.batchSize() > 65_536)) {
            throw ProblemException.badRequest("batchSize: must be 1-65536, got " + r.batchSize(), "batchSize");
        }
        if (r.learningRate() != null && !(r.learningRate() > 0 && r.learningRate() <= 1)) {
            throw ProblemException.badRequest("learningRate: must be in (0, 1], got " + r.learningRate(), "learningRate");
        }
        if (r.validationFraction() != null && !(r.validationFraction() > 0 && r.validationFraction() < 0.9f)) {
            throw ProblemException.badRequest("validationFraction: must be in (0, 0.9), got " + r.validationFraction(),
                    "validationFraction");
        }
    }

    @GET
    @Operation(summary = "Every run kept (queued, running, finished), oldest first; ?dataset= filters")
    public List<TrainingRun> list(@QueryParam("dataset") String dataset) {
        return service.runs(dataset);
    }

    @GET
    @Path("/{id}")
    public TrainingRun get(@PathParam("id") String id) {
        return service.run(id).orElseThrow(() -> ProblemException.notFound("no training run " + id));
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Cancel a run", description = "A queued run is removed at once; the running one stops at its next batch "
            + "(nothing is released).")
    @APIResponse(responseCode = "200", description = "cancelled, or cancelling")
    @APIResponse(responseCode = "404", description = "no such run")
    @APIResponse(responseCode = "409", description = "the run has already finished")
    public TrainingRun cancel(@PathParam("id") String id) {
        return service.cancel(id);
    }
}
