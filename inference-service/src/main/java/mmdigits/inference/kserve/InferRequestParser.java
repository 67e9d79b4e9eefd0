package mmdigits.inference.kserve;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import mmdigits.common.sample.Dimensions;
import mmdigits.inference.Instance;
import mmdigits.inference.InvalidInputException;
import mmdigits.inference.model.LoadedModel;
import mmdigits.inference.rest.Predictions;

/** Parses the JSON of a KServe v2 infer request into instances; every problem a 400 naming its field. */
@ApplicationScoped
public class InferRequestParser {
    private final ObjectMapper mapper;
    private final Predictions predictions;

    public InferRequestParser(ObjectMapper mapper, Predictions predictions) {
        this.mapper = mapper;
        this.predictions = predictions;
    }

    /** One input tensor: its name and row-major values. */
    private record Tensor(String name, long rows, float[] values) {
    }

    /**
     * Reads an infer request: FP32 (or nested) {@code data} of the inputs {@code image} [N,784] and/or
     * {@code audio} [N,507], the outputs asked for.
     *
     * @throws KServeException 400 naming the field at fault
     */
    public KServe.InferRequest parse(byte[] body) {
        JsonNode root = json(body);
        Map<String, Tensor> tensors = inputs(root);
        JsonNode id = root.get("id");
        return new KServe.InferRequest(id == null || id.isNull() ? null : id.asText(), instances(tensors), outputs(root.get("outputs")));
    }

    private JsonNode json(byte[] body) {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new KServeException(400, "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new KServeException(400, "unreadable body: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new KServeException(400, "the body must be a JSON object with 'inputs'");
        }
        return root;
    }

    /** The input tensors by name, each checked, all with the same number of rows. */
    private Map<String, Tensor> inputs(JsonNode root) {
        JsonNode inputs = root.get("inputs");
        if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
            throw new KServeException(400, "'inputs' must be a non-empty array of tensors");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            Long rows = tensors.isEmpty() ? null : tensors.values().iterator().next().rows();
            Tensor t = tensor(inputs.get(i), "inputs[" + i + "]", tensors.keySet(), rows);
            tensors.put(t.name(), t);
        }
        return tensors;
    }

    /** One input; {@code seen} the inputs before it, {@code rows} their number of rows (null for the first). */
    private Tensor tensor(JsonNode t, String field, Set<String> seen, Long rows) {
        String name = text(t, "name", field);
        int width = switch (name) {
            case LoadedModel.IMAGE -> Dimensions.IMAGE;
            case LoadedModel.AUDIO -> Dimensions.AUDIO;
            default -> throw new KServeException(400, field + ".name: unknown input '" + name + "' (expected 'image' and/or 'audio')");
        };
        if (seen.contains(name)) {
            throw new KServeException(400, field + ".name: input '" + name + "' given twice");
        }
        String datatype = text(t, "datatype", field);
        if (!datatype.equals(KServe.FP32)) {
            throw new KServeException(400, field + ".datatype: input '" + name + "' must be FP32, got " + datatype);
        }
        long n = rows(t.get("shape"), name, width, field);
        if (rows != null && n != rows) {
            throw new KServeException(400, field + ".shape: " + n + " rows, but the other input has " + rows);
        }
        JsonNode data = t.get("data");
        if (data == null || !data.isArray()) {
            throw new KServeException(400, field + ".data: missing (a flat or nested array of numbers)");
        }
        float[] values = new float[(int) (n * width)];
        int filled = flatten(data, values, 0, field + ".data");
        if (filled != values.length) {
            throw new KServeException(400, field + ".data: " + filled + " values for shape [" + n + "," + width + "] (" + values.length
                    + " expected)");
        }
        return new Tensor(name, n, values);
    }

    /** N of a shape [N, width], within the per-request limit. */
    private long rows(JsonNode shape, String name, int width, String field) {
        if (shape == null || !shape.isArray() || shape.size() != 2 || !shape.get(0).canConvertToLong() || !shape.get(1).canConvertToLong()) {
            throw new KServeException(400, field + ".shape: must be [N," + width + "]");
        }
        long n = shape.get(0).asLong();
        if (shape.get(1).asLong() != width || n < 1) {
            throw new KServeException(400, field + ".shape: " + shape + " but input '" + name + "' is [N," + width + "] with N >= 1");
        }
        try {
            predictions.checkCount((int) Math.min(Integer.MAX_VALUE, n), field + ".shape[0]");
        } catch (InvalidInputException e) {
            throw new KServeException(400, e.getMessage());
        }
        return n;
    }

    private static List<Instance> instances(Map<String, Tensor> tensors) {
        long rows = tensors.values().iterator().next().rows();
        Tensor image = tensors.get(LoadedModel.IMAGE);
        Tensor audio = tensors.get(LoadedModel.AUDIO);
        List<Instance> instances = new ArrayList<>((int) rows);
        for (int r = 0; r < rows; r++) {
            instances.add(new Instance(row(image, r, Dimensions.IMAGE), row(audio, r, Dimensions.AUDIO)));
        }
        return instances;
    }

    private static float[] row(Tensor t, int r, int width) {
        return t == null ? null : Arrays.copyOfRange(t.values(), r * width, (r + 1) * width);
    }

    /** The outputs asked for; both when none are named. */
    private static List<String> outputs(JsonNode wanted) {
        if (wanted == null || wanted.isNull()) {
            return List.of(LoadedModel.PROBABILITIES, LoadedModel.EMBEDDING);
        }
        if (!wanted.isArray()) {
            throw new KServeException(400, "'outputs' must be an array of {\"name\": ...}");
        }
        List<String> outputs = new ArrayList<>();
        for (int i = 0; i < wanted.size(); i++) {
            String name = text(wanted.get(i), "name", "outputs[" + i + "]");
            if (!name.equals(LoadedModel.PROBABILITIES) && !name.equals(LoadedModel.EMBEDDING)) {
                throw new KServeException(400, "outputs[" + i + "].name: unknown output '" + name + "' (probabilities, embedding)");
            }
            outputs.add(name);
        }
        return outputs;
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
}
