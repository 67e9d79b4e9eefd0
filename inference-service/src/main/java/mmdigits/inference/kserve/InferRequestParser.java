package mmdigits.inference.kserve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import mmdigits.common.sample.Dimensions;
import mmdigits.inference.model.LoadedModel;

/**
 * Parses a KServe v2 infer request with Jackson's streaming parser: tensor values go straight into
 * a {@code float[]} (flat or nested {@code data}, row-major; numbers parsed as floats by Jackson's
 * fast parser) whose size is checked as it grows, so no request builds a tree or a boxed list. With
 * the binary tensor data extension (as Triton implements it) the body is a JSON header of {@code
 * Inference-Header-Content-Length} bytes followed by the raw little-endian values of each input
 * whose {@code parameters.binary_data_size} is given, in the order of the inputs. Every problem is
 * a 400 naming its field.
 */
@ApplicationScoped
public class InferRequestParser {
    public static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    private static final JsonFactory JSON =
            JsonFactory.builder()
                    .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                    .streamReadConstraints(
                            StreamReadConstraints.builder()
                                    .maxStringLength(64 * 1024)
                                    .maxNestingDepth(16)
                                    .build())
                    .build();

    private final InferInputs inputs;

    public InferRequestParser(InferInputs inputs) {
        this.inputs = inputs;
    }

    /** What the JSON (or the JSON header) said, before the inputs are checked. */
    private static final class Header {
        String id;
        List<InputTensor> tensors;
        List<String> outputs;
        List<Boolean> outputsBinary;
        boolean binaryOutput;

        /** Something follows the request object (in the JSON header: within its length). */
        boolean trailing;
    }

    /** Reads a JSON infer request. */
    public KServe.InferRequest parse(InputStream body) {
        return parse(body, -1);
    }

    /**
     * Reads an infer request: all JSON ({@code headerLength} < 0), or a JSON header of {@code
     * headerLength} bytes and the binary values after it.
     *
     * @throws KServeException 400 naming the field at fault
     */
    public KServe.InferRequest parse(InputStream body, long headerLength) {
        try {
            Header h =
                    headerLength < 0
                            ? header(JSON.createParser(body))
                            : header(JSON.createParser(readHeader(body, headerLength)));
            if (h.tensors == null) {
                throw new KServeException(400, "'inputs' must be a non-empty array of tensors");
            }
            readBinary(body, h.tensors, headerLength);
            if (h.trailing) {
                throw new KServeException(400, "malformed JSON: content after the request object");
            }
            return new KServe.InferRequest(h.id, inputs.instances(h.tensors), outputs(h));
        } catch (JsonProcessingException e) {
            throw new KServeException(400, "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new KServeException(400, "unreadable body: " + e.getMessage());
        }
    }

    private static byte[] readHeader(InputStream body, long headerLength) throws IOException {
        if (headerLength == 0 || headerLength > Integer.MAX_VALUE - 8) {
            throw new KServeException(
                    400,
                    HEADER_LENGTH
                            + ": "
                            + headerLength
                            + " is not a usable length of the JSON header");
        }
        byte[] header = body.readNBytes((int) headerLength);
        if (header.length < headerLength) {
            throw new KServeException(
                    400,
                    HEADER_LENGTH
                            + ": "
                            + headerLength
                            + " bytes of JSON header, but the body has only "
                            + header.length);
        }
        return header;
    }

    /** The binary section: each input with a binary_data_size, in order, then nothing more. */
    private void readBinary(InputStream body, List<InputTensor> tensors, long headerLength)
            throws IOException {
        for (InputTensor t : tensors) {
            if (t.binaryDataSize < 0) {
                continue;
            }
            String field = t.field + ".parameters.binary_data_size";
            if (headerLength < 0) {
                throw new KServeException(
                        400,
                        field
                                + ": binary data needs the "
                                + HEADER_LENGTH
                                + " header (the length of the JSON part)");
            }
            if (t.count >= 0) {
                throw new KServeException(
                        400, field + ": the input has 'data' too; give its values one way");
            }
            if (t.binaryDataSize > (long) inputs.maxValues() * Float.BYTES) {
                throw inputs.tooMany(t.field);
            }
            byte[] raw = body.readNBytes((int) t.binaryDataSize);
            if (raw.length < t.binaryDataSize) {
                throw new KServeException(
                        400,
                        field
                                + ": "
                                + t.binaryDataSize
                                + " bytes, but the body ends after "
                                + raw.length);
            }
            inputs.fromRaw(t, ByteBuffer.wrap(raw));
        }
        if (headerLength >= 0 && body.read() != -1) {
            throw new KServeException(
                    400,
                    "the body has bytes after the binary data of the inputs (their binary_data_size add up to less)");
        }
    }

    private Header header(JsonParser p) throws IOException {
        try (p) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new KServeException(400, "the body must be a JSON object with 'inputs'");
            }
            Header h = new Header();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "id" ->
                            h.id =
                                    value == JsonToken.VALUE_NULL
                                            ? null
                                            : value.isScalarValue() ? p.getText() : skip(p);
                    case "inputs" -> h.tensors = inputs(p);
                    case "outputs" -> readOutputs(p, h);
                    case "parameters" ->
                            h.binaryOutput =
                                    booleanParameter(p, "binary_data_output", "parameters");
                    default -> p.skipChildren();
                }
            }
            h.trailing = trailing(p);
            return h;
        }
    }

    private static boolean trailing(JsonParser p) throws IOException {
        try {
            return p.nextToken() != null;
        } catch (JsonProcessingException e) {
            return true;
        }
    }

    private static String skip(JsonParser p) throws IOException {
        p.skipChildren();
        return null;
    }

    /** The input tensors as read; the parser is on the array. */
    private List<InputTensor> inputs(JsonParser p) throws IOException {
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
     * A boolean parameter of a parameters object (false when absent); the parser is on the object.
     */
    private static boolean booleanParameter(JsonParser p, String parameter, String field)
            throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return false;
        }
        boolean value = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            if (key.equals(parameter)) {
                if (!v.isBoolean()) {
                    throw new KServeException(
                            400, field + "." + parameter + ": must be true or false");
                }
                value = v == JsonToken.VALUE_TRUE;
            } else {
                p.skipChildren();
            }
        }
        return value;
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

    /** The outputs asked for; the parser is on the value of {@code outputs}. */
    private static void readOutputs(JsonParser p, Header h) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return;
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new KServeException(400, "'outputs' must be an array of {\"name\": ...}");
        }
        h.outputs = new ArrayList<>(2);
        h.outputsBinary = new ArrayList<>(2);
        while (p.nextToken() != JsonToken.END_ARRAY) {
            String field = "outputs[" + h.outputs.size() + "]";
            String name = null;
            Boolean binary = null;
            if (p.currentToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonToken v = p.nextToken();
                    if (key.equals("name") && v == JsonToken.VALUE_STRING) {
                        name = p.getText();
                    } else if (key.equals("parameters")) {
                        binary = booleanParameter(p, "binary_data", field + ".parameters");
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
                throw new KServeException(
                        400,
                        field + ".name: unknown output '" + name + "' (probabilities, embedding)");
            }
            if (h.outputs.size() == 2) {
                throw new KServeException(400, "'outputs': at most probabilities and embedding");
            }
            h.outputs.add(name);
            h.outputsBinary.add(binary);
        }
    }

    /**
     * The outputs to answer: those asked for (both when none), binary where asked or by {@code
     * binary_data_output}.
     */
    private static List<KServe.OutputRequest> outputs(Header h) {
        if (h.outputs == null || h.outputs.isEmpty()) {
            return List.of(
                    new KServe.OutputRequest(LoadedModel.PROBABILITIES, h.binaryOutput),
                    new KServe.OutputRequest(LoadedModel.EMBEDDING, h.binaryOutput));
        }
        List<KServe.OutputRequest> out = new ArrayList<>(h.outputs.size());
        for (int i = 0; i < h.outputs.size(); i++) {
            Boolean binary = h.outputsBinary.get(i);
            out.add(
                    new KServe.OutputRequest(
                            h.outputs.get(i), binary == null ? h.binaryOutput : binary));
        }
        return out;
    }
}
