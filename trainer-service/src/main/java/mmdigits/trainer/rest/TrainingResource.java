package mmdigits.trainer.rest;

import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import mmdigits.common.rest.ProblemException;
import mmdigits.trainer.TrainingRun;
import mmdigits.trainer.service.TrainingService;

@Path("/trainings")
@Tag(name = "trainings", description = "Train the fused model from digits.samples.train and release it as ONNX")
@Produces(MediaType.APPLICATION_JSON)
public class TrainingResource {
    private final TrainingService service;

    public TrainingResource(TrainingService service) {
        this.service = service;
    }

    @POST
    @Operation(summary = "Start a training run", description = "Optional: dataset (default all), epochs, batchSize, "
            + "learningRate, seed, validationFraction. One run at a time.")
    @APIResponse(responseCode = "202", description = "started; poll GET /trainings/{id}")
    @APIResponse(responseCode = "409", description = "a run is in progress")
    public Response start(TrainingService.Request request) {
        TrainingService.Request r = request == null ? new TrainingService.Request(null, null, null, null, null, null) : request;
        if (r.epochs() != null && r.epochs() < 1) {
            throw ProblemException.badRequest("epochs: must be >= 1, got " + r.epochs(), "epochs");
        }
        if (r.batchSize() != null && r.batchSize() < 1) {
            throw ProblemException.badRequest("batchSize: must be >= 1, got " + r.batchSize(), "batchSize");
        }
        if (r.learningRate() != null && !(r.learningRate() > 0)) {
            throw ProblemException.badRequest("learningRate: must be > 0, got " + r.learningRate(), "learningRate");
        }
        if (r.validationFraction() != null && !(r.validationFraction() > 0 && r.validationFraction() < 0.9f)) {
            throw ProblemException.badRequest("validationFraction: must be in (0, 0.9), got " + r.validationFraction(),
                    "validationFraction");
        }
        TrainingRun run = service.start(r);
        return Response.accepted(run).header("Location", "/trainings/" + run.id()).build();
    }

    @GET
    public List<TrainingRun> list() {
        return service.runs();
    }

    @GET
    @Path("/{id}")
    public TrainingRun get(@PathParam("id") String id) {
        return service.run(id).orElseThrow(() -> ProblemException.notFound("no training run " + id));
    }
}
