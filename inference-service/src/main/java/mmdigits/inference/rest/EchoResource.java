package mmdigits.inference.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Arrays;
import mmdigits.common.rest.ProblemException;
import mmdigits.common.sample.Dimensions;
import mmdigits.inference.Instance;
import mmdigits.inference.config.InferenceConfig;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The web stack without the model, for benchmarks (off unless {@code inference.http.echo-enabled}):
 * parses and validates a single-sample prediction request exactly like {@code POST
 * /api/predictions} and answers a response of the same shape without scoring.
 */
@Path("/api/echo")
@Tag(name = "benchmark")
public class EchoResource {
    private static final float[] UNIFORM = new float[Dimensions.CLASSES];

    static {
        Arrays.fill(UNIFORM, 0.1f);
    }

    private final InferenceConfig config;

    public EchoResource(InferenceConfig config) {
        this.config = config;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary =
                    "Benchmark ceiling: parse and validate a prediction request, answer without scoring")
    public PredictionResponse echo(PredictRequest body) {
        if (!config.http().echoEnabled()) {
            throw ProblemException.notFound(
                    "the echo endpoint is off (inference.http.echo-enabled=false)");
        }
        if (body == null) {
            throw ProblemException.badRequest(
                    "body: expected {\"image\":[...],\"audio\":[...]}", "body");
        }
        Instance x = new Instance(body.image(), body.audio()).validate("");
        return new PredictionResponse(0, UNIFORM, x.modalities(), null, "echo", null);
    }
}
