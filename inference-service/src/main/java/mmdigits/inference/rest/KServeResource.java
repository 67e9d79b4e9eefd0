package mmdigits.inference.rest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import mmdigits.common.sample.Dimensions;
import mmdigits.inference.Instance;
import mmdigits.inference.InvalidInputException;
import mmdigits.inference.model.LoadedModel;
import mmdigits.inference.model.ModelRegistry;
import mmdigits.inference.model.NoModelException;
import mmdigits.inference.model.Scores;
import mmdigits.inference.model.UnknownModelException;

/**
 * KServe v2 / Open Inference Protocol (REST): health, model metadata and {@code infer} for every
 * served model — the alias "digits" (the promoted version) and each registered name (its newest
 * loaded version, or a version) — FP32 inputs {@code image} [N,784] and {@code audio} [N,507] (either may be omitted),
 * outputs {@code probabilities} [N,10] and {@code embedding} [N,D]. Errors are the protocol's
 * {@code {"error": "..."}}; health answers 200 for true and 400 for false, as the protocol says.
 */
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "kserve-v2", description = "KServe v2 / Open Inference Protocol")
public class KServeResource {
    static final String PLATFORM = "onnxruntime_onnx";

    private final ModelRegistry registry;
    private final Predictions predictions;
    private final ObjectMapper mapper;

    public KServeResource(ModelRegistry registry, Predictions predictions, ObjectMapper mapper) {
        this.registry = registry;
        this.predictions = predictions;
        this.mapper = mapper;
    }

    public record Error(String error) {
    }

    public record TensorMetadata(String name, String datatype, List<Long> shape) {
    }

    public record ModelMetadata(String name, List<String> versions, String platform, List<TensorMetadata> inputs,
            List<TensorMetadata> outputs) {
    }

    public record OutputTensor(String name, List<Long> shape, String datatype, float[] data) {
    }

    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record InferResponse(String model_name, String model_version, String id, List<OutputTensor> outputs) {
    }

    @GET
    @Operation(summary = "Server metadata")
    public Map<String, Object> server() {
        return Map.of("name", "mmdigits-inference", "version", "0.1.0", "extensions", List.of());
    }

    @GET
    @Path("/health/live")
    @Operation(summary = "Server live (200 = true)")
    public Map<String, Boolean> live() {
        return Map.of("live", true);
    }

    @GET
    @Path("/health/ready")
    @Operation(summary = "Server ready: a model is loaded (200 = true, 400 = false)")
    public Response ready() {
        boolean ready = registry.served() != null;
        return Response.status(ready ? 200 : 400).entity(Map.of("ready", ready)).build();
    }

    @GET
    @Path("/models/{name}")
    @Operation(summary = "Model metadata")
    public Response metadata(@PathParam("name") String name) {
        return metadata(name, null);
    }

    @GET
    @Path("/models/{name}/versions/{version}")
    @Operation(summary = "Model metadata of a version (only the loaded version is served)")
    public Response metadata(@PathParam("name") String name, @PathParam("version") String version) {
        LoadedModel m;
        try {
            m = model(name, version);
        } catch (KServeException e) {
            return e.response();
        }
        List<String> versions = name.equals(registry.alias()) ? List.of(m.version())
                : registry.loaded().stream().filter(l -> l.name().equals(name)).map(LoadedModel::version).toList();
        return Response.ok(new ModelMetadata(name, versions, PLATFORM,
                List.of(new TensorMetadata(LoadedModel.IMAGE, "FP32", List.of(-1L, (long) Dimensions.IMAGE)),
                        new TensorMetadata(LoadedModel.AUDIO, "FP32", List.of(-1L, (long) Dimensions.AUDIO))),
                List.of(new TensorMetadata(LoadedModel.PROBABILITIES, "FP32", List.of(-1L, (long) Dimensions.CLASSES)),
                        new TensorMetadata(LoadedModel.EMBEDDING, "FP32", List.of(-1L, (long) m.embeddingDim()))))).build();
    }

    @GET
    @Path("/models/{name}/ready")
    @Operation(summary = "Model ready (200 = true, 400 = false)")
    public Response modelReady(@PathParam("name") String name) {
        boolean ready = name.equals(registry.alias()) ? registry.served() != null
                : registry.loaded().stream().anyMatch(m -> m.name().equals(name));
        if (!ready && !name.equals(registry.alias())) {
            return error(404, "unknown model '" + name + "'; this server serves '" + registry.alias() + "' (the alias) and the names "
                    + registry.loaded().stream().map(LoadedModel::name).distinct().sorted().toList());
        }
        return Response.status(ready ? 200 : 400).entity(Map.of("name", name, "ready", ready)).build();
    }

    @POST
    @Path("/models/{name}/infer")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Inference request",
            description = "{\"inputs\":[{\"name\":\"image\",\"shape\":[N,784],\"datatype\":\"FP32\",\"data\":[...]},"
                    + "{\"name\":\"audio\",\"shape\":[N,507],\"datatype\":\"FP32\",\"data\":[...]}]}; data flat or nested, row-major.")
    public CompletionStage<Response> infer(@PathParam("name") String name, byte[] body) {
        return infer(name, null, body);
    }

    @POST
    @Path("/models/{name}/versions/{version}/infer")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Inference request for a version (only the loaded version is served)")
    public CompletionStage<Response> infer(@PathParam("name") String name, @PathParam("version") String version, byte[] body) {
        InferRequest request;
        try {
            model(name, version);
            request = parse(body);
        } catch (KServeException e) {
            return CompletableFuture.completedFuture(e.response());
        }
        String served = name.equals(registry.alias()) ? null : name;
        return predictions.score(served, version, request.instances, "kserve").handle((scores, failure) -> {
            if (failure != null) {
                Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                return t instanceof NoModelException ? error(503, t.getMessage())
                        : t instanceof UnknownModelException ? error(404, t.getMessage()) : error(500, "inference failed: " + t.getMessage());
            }
            return Response.ok(new InferResponse(name, scores.modelVersion(), request.id, outputs(scores, request.outputs))).build();
        });
    }

    private List<OutputTensor> outputs(Scores s, List<String> requested) {
        List<OutputTensor> out = new ArrayList<>(2);
        for (String name : requested) {
            if (name.equals(LoadedModel.PROBABILITIES)) {
                out.add(new OutputTensor(name, List.of((long) s.n(), (long) Dimensions.CLASSES), "FP32", s.probabilities()));
            } else {
                out.add(new OutputTensor(name, List.of((long) s.n(), (long) s.dim()), "FP32", s.embedding()));
            }
        }
        return out;
    }

    private record InferRequest(String id, List<Instance> instances, List<String> outputs) {
    }

    /** The model a route names (the alias, a name's newest loaded version, or a version); 404 or 503 when there is none. */
    private LoadedModel model(String name, String version) {
        LoadedModel m;
        try {
            m = registry.acquire(name, version);
        } catch (NoModelException e) {
            throw new KServeException(503, e.getMessage());
        } catch (UnknownModelException e) {
            throw new KServeException(404, e.getMessage());
        }
        m.release();
        return m;
    }

    private InferRequest parse(byte[] body) {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new KServeException(400, "malformed JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new KServeException(400, "unreadable body: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new KServeException(400, "the body must be a JSON object with 'inputs'");
        }
        JsonNode inputs = root.get("inputs");
        if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
            throw new KServeException(400, "'inputs' must be a non-empty array of tensors");
        }
        Map<String, float[]> tensors = new LinkedHashMap<>();
        long rows = -1;
        for (int i = 0; i < inputs.size(); i++) {
            JsonNode t = inputs.get(i);
            String field = "inputs[" + i + "]";
            String name = text(t, "name", field);
            int width = switch (name) {
                case LoadedModel.IMAGE -> Dimensions.IMAGE;
                case LoadedModel.AUDIO -> Dimensions.AUDIO;
                default -> throw new KServeException(400, field + ".name: unknown input '" + name + "' (expected 'image' and/or 'audio')");
            };
            if (tensors.containsKey(name)) {
                throw new KServeException(400, field + ".name: input '" + name + "' given twice");
            }
            String datatype = text(t, "datatype", field);
            if (!datatype.equals("FP32")) {
                throw new KServeException(400, field + ".datatype: input '" + name + "' must be FP32, got " + datatype);
            }
            JsonNode shape = t.get("shape");
            if (shape == null || !shape.isArray() || shape.size() != 2 || !shape.get(0).canConvertToLong() || !shape.get(1).canConvertToLong()) {
                throw new KServeException(400, field + ".shape: must be [N," + width + "]");
            }
            long n = shape.get(0).asLong();
            if (shape.get(1).asLong() != width || n < 1) {
                throw new KServeException(400, field + ".shape: " + shape + " but input '" + name + "' is [N," + width + "] with N >= 1");
            }
            if (rows >= 0 && n != rows) {
                throw new KServeException(400, field + ".shape: " + n + " rows, but the other input has " + rows);
            }
            rows = n;
            try {
                predictions.checkCount((int) Math.min(Integer.MAX_VALUE, n), field + ".shape[0]");
            } catch (InvalidInputException e) {
                throw new KServeException(400, e.getMessage());
            }
            JsonNode data = t.get("data");
            if (data == null || !data.isArray()) {
                throw new KServeException(400, field + ".data: missing (a flat or nested array of numbers)");
            }
            float[] values = new float[(int) (n * width)];
            int filled = flatten(data, values, 0, field + ".data");
            if (filled != values.length) {
                throw new KServeException(400, field + ".data: " + filled + " values for shape [" + n + "," + width + "] (" + values.length + " expected)");
            }
            tensors.put(name, values);
        }
        List<Instance> instances = new ArrayList<>((int) rows);
        float[] image = tensors.get(LoadedModel.IMAGE);
        float[] audio = tensors.get(LoadedModel.AUDIO);
        for (int r = 0; r < rows; r++) {
            instances.add(new Instance(
                    image == null ? null : java.util.Arrays.copyOfRange(image, r * Dimensions.IMAGE, (r + 1) * Dimensions.IMAGE),
                    audio == null ? null : java.util.Arrays.copyOfRange(audio, r * Dimensions.AUDIO, (r + 1) * Dimensions.AUDIO)));
        }
        List<String> outputs = new ArrayList<>();
        JsonNode wanted = root.get("outputs");
        if (wanted == null || wanted.isNull()) {
            outputs.add(LoadedModel.PROBABILITIES);
            outputs.add(LoadedModel.EMBEDDING);
        } else if (!wanted.isArray()) {
            throw new KServeException(400, "'outputs' must be an array of {\"name\": ...}");
        } else {
            for (int i = 0; i < wanted.size(); i++) {
                String name = text(wanted.get(i), "name", "outputs[" + i + "]");
                if (!name.equals(LoadedModel.PROBABILITIES) && !name.equals(LoadedModel.EMBEDDING)) {
                    throw new KServeException(400, "outputs[" + i + "].name: unknown output '" + name + "' (probabilities, embedding)");
                }
                outputs.add(name);
            }
        }
        JsonNode id = root.get("id");
        return new InferRequest(id == null || id.isNull() ? null : id.asText(), instances, outputs);
    }

    private static String text(JsonNode node, String key, String field) {
        JsonNode v = node == null ? null : node.get(key);
        if (v == null || !v.isTextual()) {
            throw new KServeException(400, field + "." + key + ": missing (a string)");
        }
        return v.asText();
    }

    /** Copies nested arrays of numbers row-major into values; returns the count (which may exceed values.length). */
    private static int flatten(JsonNode node, float[] values, int at, String field) {
        for (int i = 0; i < node.size(); i++) {
            JsonNode v = node.get(i);
            if (v.isArray()) {
                at = flatten(v, values, at, field);
            } else if (v.isNumber()) {
                float f = v.floatValue();
                if (!Float.isFinite(f)) {
                    throw new KServeException(400, field + "[" + at + "]: " + v + " is not a finite FP32 number");
                }
                if (at < values.length) {
                    values[at] = f;
                }
                at++;
            } else {
                throw new KServeException(400, field + "[" + at + "]: " + (v.isTextual() ? "\"" + v.asText() + "\"" : v.toString()) + " is not a number");
            }
        }
        return at;
    }

    static Response error(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new Error(message)).build();
    }

    static final class KServeException extends RuntimeException {
        private final int status;

        KServeException(int status, String message) {
            super(message);
            this.status = status;
        }

        Response response() {
            return error(status, getMessage());
        }
    }
}
