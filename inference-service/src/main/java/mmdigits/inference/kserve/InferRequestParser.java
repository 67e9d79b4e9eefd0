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
import java.util.ArrayList;
import java.util.List;
import mmdigits.common.sample.TensorNames;

/**
 * Parses a KServe v2 infer request with Jackson's streaming parser: the request object (id,
 * parameters, the outputs asked for) here, its input tensors by {@link JsonTensors}, and with the
 * binary tensor data extension the values after the JSON header by {@link BinaryTensorData}. Every
 * problem is a 400 naming its field.
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
    private final JsonTensors tensors;
    private final BinaryTensorData binary;

    public InferRequestParser(InferInputs inputs) {
        this.inputs = inputs;
        this.tensors = new JsonTensors(inputs);
        this.binary = new BinaryTensorData(inputs);
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
                            : header(
                                    JSON.createParser(
                                            BinaryTensorData.readHeader(body, headerLength)));
            if (h.tensors == null) {
                throw new KServeException(400, "'inputs' must be a non-empty array of tensors");
            }
            binary.read(body, h.tensors, headerLength);
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
                                            : value.isScalarValue()
                                                    ? p.getText()
                                                    : JsonTensors.skip(p);
                    case "inputs" -> h.tensors = tensors.read(p);
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

    /**
     * A boolean parameter of a parameters object (false when absent); the parser is on the object.
     */
    static boolean booleanParameter(JsonParser p, String parameter, String field)
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
            if (!name.equals(TensorNames.PROBABILITIES) && !name.equals(TensorNames.EMBEDDING)) {
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
                    new KServe.OutputRequest(TensorNames.PROBABILITIES, h.binaryOutput),
                    new KServe.OutputRequest(TensorNames.EMBEDDING, h.binaryOutput));
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
