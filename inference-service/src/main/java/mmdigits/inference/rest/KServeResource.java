package mmdigits.inference.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import mmdigits.common.sample.Dimensions;
import mmdigits.common.sample.TensorNames;
import mmdigits.inference.kserve.InferRequestParser;
import mmdigits.inference.kserve.KServe;
import mmdigits.inference.kserve.KServeException;
import mmdigits.inference.kserve.ServedModels;
import mmdigits.inference.model.Scores;
import mmdigits.inference.scoring.Scorer;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * KServe v2 / Open Inference Protocol (REST): health, model metadata and {@code infer} for every
 * served model — the alias "digits" (the promoted version) and each registered name (its newest
 * loaded version, or a version) — FP32 inputs {@code image} [N,784] and {@code audio} [N,507]
 * (either may be omitted), outputs {@code probabilities} [N,10] and {@code embedding} [N,D]. Errors
 * are the protocol's {@code {"error": "..."}} ({@link KServeException}); health answers 200 for
 * true and 400 for false, as the protocol says.
 */
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "kserve-v2", description = "KServe v2 / Open Inference Protocol")
public class KServeResource {
    private final ServedModels models;
    private final Scorer scorer;
    private final InferRequestParser parser;
    private final ObjectMapper mapper;

    public KServeResource(
            ServedModels models, Scorer scorer, InferRequestParser parser, ObjectMapper mapper) {
        this.models = models;
        this.scorer = scorer;
        this.parser = parser;
        this.mapper = mapper;
    }

    @GET
    @Operation(summary = "Server metadata")
    public KServe.ServerMetadata server() {
        return new KServe.ServerMetadata(
                ServedModels.SERVER_NAME, ServedModels.SERVER_VERSION, KServe.EXTENSIONS);
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
        boolean ready = models.serverReady();
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
    public KServe.ModelMetadata metadata(
            @PathParam("name") String name, @PathParam("version") String version) {
        return models.metadata(name, version);
    }

    @GET
    @Path("/models/{name}/ready")
    @Operation(summary = "Model ready (200 = true, 400 = false)")
    public Response modelReady(@PathParam("name") String name) {
        return modelReady(name, null);
    }

    @GET
    @Path("/models/{name}/versions/{version}/ready")
    @Operation(
            summary =
                    "Model version ready (200 = true, 400 = false; 404 for a version this server does not know)")
    public Response modelReady(
            @PathParam("name") String name, @PathParam("version") String version) {
        boolean ready = models.modelReady(name, version);
        return Response.status(ready ? 200 : 400)
                .entity(new KServe.ModelReadiness(name, ready))
                .build();
    }

    @POST
    @Path("/models/{name}/infer")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(
            summary = "Inference request",
            description =
                    "{\"inputs\":[{\"name\":\"image\",\"shape\":[N,784],\"datatype\":\"FP32\",\"data\":[...]},"
                            + "{\"name\":\"audio\",\"shape\":[N,507],\"datatype\":\"FP32\",\"data\":[...]}]}; data flat or nested, row-major; "
                            + "image also as UINT8. Binary tensor data extension: a JSON header of Inference-Header-Content-Length bytes, then "
                            + "each input with parameters.binary_data_size as raw little-endian values; outputs with parameters.binary_data "
                            + "(or the request's parameters.binary_data_output) come back the same way.")
    public CompletionStage<Response> infer(
            @PathParam("name") String name,
            @HeaderParam(InferRequestParser.HEADER_LENGTH) String headerLength,
            InputStream body) {
        return infer(name, null, headerLength, body);
    }

    @POST
    @Path("/models/{name}/versions/{version}/infer")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(summary = "Inference request for a version (only a loaded version is served)")
    public CompletionStage<Response> infer(
            @PathParam("name") String name,
            @PathParam("version") String version,
            @HeaderParam(InferRequestParser.HEADER_LENGTH) String headerLength,
            InputStream body) {
        models.model(name, version);
        KServe.InferRequest request = parser.parse(body, headerLength(headerLength));
        String served = name.equals(models.alias()) ? null : name;
        return scorer.submit(served, version, request.instances(), "kserve", request.id())
                .thenApply(scores -> answer(name, request, scores))
                .exceptionally(
                        failure -> {
                            throw ServedModels.error(failure);
                        });
    }

    private static long headerLength(String value) {
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new KServeException(
                    400,
                    InferRequestParser.HEADER_LENGTH + ": '" + value + "' is not a byte count");
        }
    }

    /**
     * The answer: JSON, or — when an output is binary — the JSON header and the outputs' raw values
     * after it.
     */
    private Response answer(String name, KServe.InferRequest request, Scores scores) {
        List<KServe.OutputTensor> tensors = new ArrayList<>(2);
        List<float[]> binary = new ArrayList<>(2);
        for (KServe.OutputRequest o : request.outputs()) {
            boolean probabilities = o.name().equals(TensorNames.PROBABILITIES);
            float[] values = probabilities ? scores.probabilities() : scores.embedding();
            List<Long> shape =
                    List.of(
                            (long) scores.n(),
                            (long) (probabilities ? Dimensions.CLASSES : scores.dim()));
            if (o.binary()) {
                binary.add(values);
                tensors.add(
                        new KServe.OutputTensor(
                                o.name(),
                                shape,
                                KServe.FP32,
                                Map.of("binary_data_size", (long) values.length * Float.BYTES),
                                null));
            } else {
                tensors.add(new KServe.OutputTensor(o.name(), shape, KServe.FP32, null, values));
            }
        }
        KServe.InferResponse json =
                new KServe.InferResponse(name, scores.modelVersion(), request.id(), tensors);
        if (binary.isEmpty()) {
            return Response.ok(json, MediaType.APPLICATION_JSON_TYPE).build();
        }
        byte[] header = header(json);
        ByteBuffer body =
                ByteBuffer.allocate(
                                header.length
                                        + binary.stream()
                                                .mapToInt(v -> v.length * Float.BYTES)
                                                .sum())
                        .order(ByteOrder.LITTLE_ENDIAN);
        body.put(header);
        for (float[] values : binary) {
            body.asFloatBuffer().put(values);
            body.position(body.position() + values.length * Float.BYTES);
        }
        return Response.ok(body.array(), MediaType.APPLICATION_OCTET_STREAM_TYPE)
                .header(InferRequestParser.HEADER_LENGTH, header.length)
                .build();
    }

    private byte[] header(KServe.InferResponse json) {
        try {
            return mapper.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new KServeException(500, "could not write the answer: " + e.getOriginalMessage());
        }
    }
}
