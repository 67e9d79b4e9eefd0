package mmdigits.inference.rest;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.common.annotation.Blocking;
import mmdigits.common.sample.Dimensions;
import mmdigits.inference.kserve.InferRequestParser;
import mmdigits.inference.kserve.KServe;
import mmdigits.inference.kserve.KServeException;
import mmdigits.inference.model.BusyException;
import mmdigits.inference.model.LoadedModel;
import mmdigits.inference.model.ModelRegistry;
import mmdigits.inference.model.NoModelException;
import mmdigits.inference.model.Scores;
import mmdigits.inference.model.UnknownModelException;

/**
 * KServe v2 / Open Inference Protocol (REST): health, model metadata and {@code infer} for every
 * served model — the alias "digits" (the promoted version) and each registered name (its newest
 * loaded version, or a version) — FP32 inputs {@code image} [N,784] and {@code audio} [N,507] (either
 * may be omitted), outputs {@code probabilities} [N,10] and {@code embedding} [N,D]. Errors are the
 * protocol's {@code {"error": "..."}} ({@link KServeException}); health answers 200 for true and 400 for
 * false, as the protocol says.
 */
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "kserve-v2", description = "KServe v2 / Open Inference Protocol")
public class KServeResource {
    private final ModelRegistry registry;
    private final Predictions predictions;
    private final InferRequestParser parser;

    public KServeResource(ModelRegistry registry, Predictions predictions, InferRequestParser parser) {
        this.registry = registry;
        this.predictions = predictions;
        this.parser = parser;
    }

    @GET
    @Operation(summary = "Server metadata")
    public KServe.ServerMetadata server() {
        return new KServe.ServerMetadata("mmdigits-inference", "0.1.0", List.of());
    }

    @GET
    @Path("/health/live")
    @Operation(summary = "Server live (200 = true)")
    public KServe.Liveness live() {
        return new KServe.Liveness(true);
    }

    @GET
    @Path("/health/ready")
    @Operation(summary = "Server ready: a model is loaded (200 = true, 400 = false)")
    public Response ready() {
        boolean ready = registry.served() != null;
        return Response.status(ready ? 200 : 400).entity(new KServe.Readiness(ready)).build();
    }

    @GET
    @Path("/models/{name}")
    @Operation(summary = "Model metadata")
    public KServe.ModelMetadata metadata(@PathParam("name") String name) {
        return metadata(name, null);
    }

    @GET
    @Path("/models/{name}/versions/{version}")
    @Operation(summary = "Model metadata of a version (only a loaded version is served)")
    public KServe.ModelMetadata metadata(@PathParam("name") String name, @PathParam("version") String version) {
        LoadedModel m = model(name, version);
        List<String> versions = name.equals(registry.alias()) ? List.of(m.version())
                : registry.loaded().stream().filter(l -> l.name().equals(name)).map(LoadedModel::version).toList();
        return new KServe.ModelMetadata(name, versions, KServe.PLATFORM,
                List.of(tensor(LoadedModel.IMAGE, Dimensions.IMAGE), tensor(LoadedModel.AUDIO, Dimensions.AUDIO)),
                List.of(tensor(LoadedModel.PROBABILITIES, Dimensions.CLASSES), tensor(LoadedModel.EMBEDDING, m.embeddingDim())));
    }

    private static KServe.TensorMetadata tensor(String name, long width) {
        return new KServe.TensorMetadata(name, KServe.FP32, List.of(-1L, width));
    }

    @GET
    @Path("/models/{name}/ready")
    @Operation(summary = "Model ready (200 = true, 400 = false)")
    public Response modelReady(@PathParam("name") String name) {
        boolean isAlias = name.equals(registry.alias());
        boolean ready = isAlias ? registry.served() != null : registry.loaded().stream().anyMatch(m -> m.name().equals(name));
        if (!ready && !isAlias) {
            throw new KServeException(404, "unknown model '" + name + "'; this server serves '" + registry.alias()
                    + "' (the alias) and the names " + registry.loaded().stream().map(LoadedModel::name).distinct().sorted().toList());
        }
        return Response.status(ready ? 200 : 400).entity(new KServe.ModelReadiness(name, ready)).build();
    }

    @POST
    @Path("/models/{name}/infer")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(summary = "Inference request",
            description = "{\"inputs\":[{\"name\":\"image\",\"shape\":[N,784],\"datatype\":\"FP32\",\"data\":[...]},"
                    + "{\"name\":\"audio\",\"shape\":[N,507],\"datatype\":\"FP32\",\"data\":[...]}]}; data flat or nested, row-major.")
    public CompletionStage<KServe.InferResponse> infer(@PathParam("name") String name, InputStream body) {
        return infer(name, null, body);
    }

    @POST
    @Path("/models/{name}/versions/{version}/infer")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(summary = "Inference request for a version (only a loaded version is served)")
    public CompletionStage<KServe.InferResponse> infer(@PathParam("name") String name, @PathParam("version") String version, InputStream body) {
        model(name, version);
        KServe.InferRequest request = parser.parse(body);
        String served = name.equals(registry.alias()) ? null : name;
        return predictions.score(served, version, request.instances(), "kserve")
                .thenApply(scores -> new KServe.InferResponse(name, scores.modelVersion(), request.id(), outputs(scores, request.outputs())))
                .exceptionally(failure -> {
                    throw kserveError(failure);
                });
    }

    /** A scoring failure as the protocol's error: 503 without a model or when busy, 404 for an unknown one, else 500. */
    private static KServeException kserveError(Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (t instanceof NoModelException) {
            return new KServeException(503, t.getMessage());
        }
        if (t instanceof UnknownModelException) {
            return new KServeException(404, t.getMessage());
        }
        if (t instanceof BusyException busy) {
            return new KServeException(503, busy.getMessage(), busy.retryAfterSeconds());
        }
        return new KServeException(500, "inference failed: " + t.getMessage());
    }

    private static List<KServe.OutputTensor> outputs(Scores s, List<String> requested) {
        List<KServe.OutputTensor> out = new ArrayList<>(2);
        for (String name : requested) {
            if (name.equals(LoadedModel.PROBABILITIES)) {
                out.add(new KServe.OutputTensor(name, List.of((long) s.n(), (long) Dimensions.CLASSES), KServe.FP32, s.probabilities()));
            } else {
                out.add(new KServe.OutputTensor(name, List.of((long) s.n(), (long) s.dim()), KServe.FP32, s.embedding()));
            }
        }
        return out;
    }

    /** The model a route names (the alias, a name's newest loaded version, or a version); 404 or 503 when there is none. */
    private LoadedModel model(String name, String version) {
        try {
            return registry.acquireAndRelease(name, version);
        } catch (NoModelException e) {
            throw new KServeException(503, e.getMessage());
        } catch (UnknownModelException e) {
            throw new KServeException(404, e.getMessage());
        }
    }
}
