package mmdigits.inference.kserve;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import mmdigits.common.sample.Dimensions;
import mmdigits.inference.Instance;
import mmdigits.inference.InvalidInputException;
import mmdigits.inference.config.InferenceConfig;
import mmdigits.inference.model.LoadedModel;
import mmdigits.inference.rest.Predictions;

/**
 * Parses the JSON of a KServe v2 infer request into instances with Jackson's streaming parser: tensor
 * values go straight into a {@code float[]} (flat or nested {@code data}, row-major) whose size is checked
 * as it grows — never more than {@code inference.http.max-instances} rows of the widest input — so no
 * request builds a tree or a boxed list. Every problem is a 400 naming its field.
 */
@ApplicationScoped
public class InferRequestParser {
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(64 * 1024).maxNestingDepth(16).build()).build();

    private final Predictions predictions;
    private final int maxValues;

    public InferRequestParser(Predictions predictions, InferenceConfig config) {
        this.predictions = predictions;
        this.maxValues = (int) Math.min(Integer.MAX_VALUE, (long) config.http().maxInstances() * Dimensions.IMAGE);
    }

    /** One input tensor as read: its fields in any order, its values as they came. */
    private static final class TensorFields {
        String name;
        String datatype;
        List<Long> shape;
        float[] values;
        int count = -1;
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
    public KServe.InferRequest parse(InputStream body) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new KServeException(400, "the body must be a JSON object with 'inputs'");
            }
            String id = null;
            Map<String, Tensor> tensors = null;
            List<String> outputs = List.of(LoadedModel.PROBABILITIES, LoadedModel.EMBEDDING);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "id" -> id = value == JsonToken.VALUE_NULL ? null : value.isScalarValue() ? p.getText() : skip(p);
                    case "inputs" -> tensors = inputs(p);
                    case "outputs" -> outputs = value == JsonToken.VALUE_NULL ? outputs : outputs(p);
                    default -> p.skipChildren();
                }
            }
            if (tensors == null) {
                throw new KServeException(400, "'inputs' must be a non-empty array of tensors");
            }
            return new KServe.InferRequest(id, instances(tensors), outputs);
        } catch (JsonProcessingException e) {
            throw new KServeException(400, "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new KServeException(400, "unreadable body: " + e.getMessage());
        }
    }

    private static String skip(JsonParser p) throws IOException {
        p.skipChildren();
        return null;
    }

    /** The input tensors by name, each checked, all with the same number of rows; the parser is on the array. */
    private Map<String, Tensor> inputs(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new KServeException(400, "'inputs' must be a non-empty array of tensors");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            String field = "inputs[" + tensors.size() + "]";
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw new KServeException(400, field + ": must be a tensor object");
            }
            Long rows = tensors.isEmpty() ? null : tensors.values().iterator().next().rows();
            Tensor t = tensor(readTensor(p, field), field, tensors, rows);
            tensors.put(t.name(), t);
        }
        if (tensors.isEmpty()) {
            throw new KServeException(400, "'inputs' must be a non-empty array of tensors");
        }
        return tensors;
    }

    /** Reads one tensor object's fields; its values are counted (and refused past the limit) as they come. */
    private TensorFields readTensor(JsonParser p, String field) throws IOException {
        TensorFields t = new TensorFields();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            switch (name) {
                case "name" -> t.name = value == JsonToken.VALUE_STRING ? p.getText() : skip(p);
                case "datatype" -> t.datatype = value == JsonToken.VALUE_STRING ? p.getText() : skip(p);
                case "shape" -> t.shape = shape(p);
                case "data" -> readData(p, t, field + ".data");
                default -> p.skipChildren();
            }
        }
        return t;
    }

    private static List<Long> shape(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return null;
        }
        List<Long> dims = new ArrayList<>(2);
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || dims.size() == 8) {
                p.skipChildren();
                return null;
            }
            dims.add(p.getLongValue());
        }
        return dims;
    }

    /** Nested arrays of numbers, row-major, into a growing {@code float[]} of at most {@link #maxValues}. */
    private void readData(JsonParser p, TensorFields t, String field) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        float[] values = new float[Dimensions.IMAGE];
        int n = 0;
        int depth = 1;
        while (depth > 0) {
            JsonToken tok = p.nextToken();
            if (tok == JsonToken.START_ARRAY) {
                depth++;
            } else if (tok == JsonToken.END_ARRAY) {
                depth--;
            } else if (tok == JsonToken.VALUE_NUMBER_INT || tok == JsonToken.VALUE_NUMBER_FLOAT) {
                double d = p.getDoubleValue();
                float v = (float) d;
                if (!Float.isFinite(v)) {
                    throw new KServeException(400, field + "[" + n + "]: " + d + " is not a finite FP32 number");
                }
                if (n == maxValues) {
                    throw new KServeException(400, field + ": more than " + maxValues + " values (inference.http.max-instances rows of "
                            + Dimensions.IMAGE + ")");
                }
                if (n == values.length) {
                    values = Arrays.copyOf(values, (int) Math.min(maxValues, (long) values.length * 2));
                }
                values[n++] = v;
            } else {
                String shown = tok == JsonToken.VALUE_STRING ? "\"" + p.getText() + "\"" : tok == JsonToken.START_OBJECT ? "an object" : p.getText();
                throw new KServeException(400, field + "[" + n + "]: " + shown + " is not a number");
            }
        }
        t.values = values;
        t.count = n;
    }

    /** Checks one tensor as read; {@code seen} the inputs before it, {@code rows} their number of rows (null for the first). */
    private Tensor tensor(TensorFields t, String field, Map<String, Tensor> seen, Long rows) {
        if (t.name == null) {
            throw new KServeException(400, field + ".name: missing (a string)");
        }
        int width = switch (t.name) {
            case LoadedModel.IMAGE -> Dimensions.IMAGE;
            case LoadedModel.AUDIO -> Dimensions.AUDIO;
            default -> throw new KServeException(400, field + ".name: unknown input '" + t.name + "' (expected 'image' and/or 'audio')");
        };
        if (seen.containsKey(t.name)) {
            throw new KServeException(400, field + ".name: input '" + t.name + "' given twice");
        }
        if (t.datatype == null) {
            throw new KServeException(400, field + ".datatype: missing (a string)");
        }
        if (!t.datatype.equals(KServe.FP32)) {
            throw new KServeException(400, field + ".datatype: input '" + t.name + "' must be FP32, got " + t.datatype);
        }
        long n = rows(t.shape, t.name, width, field);
        if (rows != null && n != rows) {
            throw new KServeException(400, field + ".shape: " + n + " rows, but the other input has " + rows);
        }
        if (t.count < 0) {
            throw new KServeException(400, field + ".data: missing (a flat or nested array of numbers)");
        }
        if (t.count != n * width) {
            throw new KServeException(400, field + ".data: " + t.count + " values for shape [" + n + "," + width + "] (" + n * width + " expected)");
        }
        return new Tensor(t.name, n, t.values);
    }

    /** N of a shape [N, width], within the per-request limit. */
    private long rows(List<Long> shape, String name, int width, String field) {
        if (shape == null || shape.size() != 2) {
            throw new KServeException(400, field + ".shape: must be [N," + width + "]");
        }
        long n = shape.get(0);
        if (shape.get(1) != width || n < 1) {
            throw new KServeException(400, field + ".shape: [" + shape.get(0) + "," + shape.get(1) + "] but input '" + name + "' is [N," + width
                    + "] with N >= 1");
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

    /** The outputs asked for; the parser is on the value of {@code outputs}. */
    private static List<String> outputs(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new KServeException(400, "'outputs' must be an array of {\"name\": ...}");
        }
        List<String> outputs = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            String field = "outputs[" + outputs.size() + "]";
            String name = null;
            if (p.currentToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonToken v = p.nextToken();
                    if (key.equals("name") && v == JsonToken.VALUE_STRING) {
                        name = p.getText();
                    } else {
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
            if (name == null) {
                throw new KServeException(400, field + ".name: missing (a string)");
            }
            if (!name.equals(LoadedModel.PROBABILITIES) && !name.equals(LoadedModel.EMBEDDING)) {
                throw new KServeException(400, field + ".name: unknown output '" + name + "' (probabilities, embedding)");
            }
            if (outputs.size() == 2) {
                throw new KServeException(400, "'outputs': at most probabilities and embedding");
            }
            outputs.add(name);
        }
        return outputs;
    }
}
