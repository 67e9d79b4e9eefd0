package mmdigits.inference.kserve;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import mmdigits.common.sample.Dimensions;

/**
 * The {@code inputs} of a JSON infer request, read from Jackson's streaming parser: tensor values
 * go straight into a {@code float[]} (flat or nested {@code data}, row-major) whose size is checked
 * as it grows, so no request builds a tree or a boxed list.
 */
final class JsonTensors {
    private final InferInputs inputs;

    JsonTensors(InferInputs inputs) {
        this.inputs = inputs;
    }

    /** The input tensors as read; the parser is on the array. */
    List<InputTensor> read(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new KServeException(400, "'inputs' must be a non-empty array of tensors");
        }
        List<InputTensor> tensors = new ArrayList<>(2);
        while (p.nextToken() != JsonToken.END_ARRAY) {
            String field = "inputs[" + tensors.size() + "]";
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw new KServeException(400, field + ": must be a tensor object");
            }
            tensors.add(readTensor(p, field));
        }
        return tensors;
    }

    /**
     * Reads one tensor object's fields; its values are counted (and refused past the limit) as they
     * come.
     */
    private InputTensor readTensor(JsonParser p, String field) throws IOException {
        InputTensor t = new InputTensor(field);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            switch (name) {
                case "name" -> t.name = value == JsonToken.VALUE_STRING ? p.getText() : skip(p);
                case "datatype" ->
                        t.datatype = value == JsonToken.VALUE_STRING ? p.getText() : skip(p);
                case "shape" -> t.shape = shape(p);
                case "data" -> readData(p, t, field + ".data");
                case "parameters" -> t.binaryDataSize = binaryDataSize(p, field + ".parameters");
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

    /**
     * {@code binary_data_size} of an input's parameters (-1 without); the parser is on the
     * parameters' value.
     */
    private static long binaryDataSize(JsonParser p, String field) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return -1;
        }
        long size = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            if (key.equals("binary_data_size")) {
                if (v != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 0) {
                    throw new KServeException(
                            400,
                            field
                                    + ".binary_data_size: must be a byte count (a whole number >= 0)");
                }
                size = p.getLongValue();
            } else {
                p.skipChildren();
            }
        }
        return size;
    }

    /**
     * Nested arrays of numbers, row-major, into a growing {@code float[]} of at most {@link
     * InferInputs#maxValues()}.
     */
    private void readData(JsonParser p, InputTensor t, String field) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        int max = inputs.maxValues();
        float[] values = new float[Dimensions.IMAGE];
        int n = 0;
        int depth = 1;
        while (depth > 0) {
            JsonToken tok = p.nextToken();
            if (tok == JsonToken.VALUE_NUMBER_INT || tok == JsonToken.VALUE_NUMBER_FLOAT) {
                float v = p.getFloatValue();
                if (!Float.isFinite(v)) {
                    throw new KServeException(
                            400,
                            field + "[" + n + "]: " + p.getText() + " is not a finite FP32 number");
                }
                if (n == max) {
                    throw inputs.tooMany(field);
                }
                if (n == values.length) {
                    values = Arrays.copyOf(values, (int) Math.min(max, (long) values.length * 2));
                }
                values[n++] = v;
            } else if (tok == JsonToken.START_ARRAY) {
                depth++;
            } else if (tok == JsonToken.END_ARRAY) {
                depth--;
            } else {
                String shown =
                        tok == JsonToken.VALUE_STRING
                                ? "\"" + p.getText() + "\""
                                : tok == JsonToken.START_OBJECT ? "an object" : p.getText();
                throw new KServeException(
                        400, field + "[" + n + "]: " + shown + " is not a number");
            }
        }
        t.values(values, n);
    }

    /** Skips a value not wanted; null, for the field it would have set. */
    static String skip(JsonParser p) throws IOException {
        p.skipChildren();
        return null;
    }
}
