package mmdigits.inference.kserve;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The binary tensor data extension (as Triton implements it): a JSON header of {@code
 * Inference-Header-Content-Length} bytes, then the raw little-endian values of each input whose
 * {@code parameters.binary_data_size} is given, in the order of the inputs, and nothing more.
 */
final class BinaryTensorData {
    private final InferInputs inputs;

    BinaryTensorData(InferInputs inputs) {
        this.inputs = inputs;
    }

    /** The JSON header: the first {@code headerLength} bytes of the body. */
    static byte[] readHeader(InputStream body, long headerLength) throws IOException {
        if (headerLength == 0 || headerLength > Integer.MAX_VALUE - 8) {
            throw new KServeException(
                    400,
                    InferRequestParser.HEADER_LENGTH
                            + ": "
                            + headerLength
                            + " is not a usable length of the JSON header");
        }
        byte[] header = body.readNBytes((int) headerLength);
        if (header.length < headerLength) {
            throw new KServeException(
                    400,
                    InferRequestParser.HEADER_LENGTH
                            + ": "
                            + headerLength
                            + " bytes of JSON header, but the body has only "
                            + header.length);
        }
        return header;
    }

    /** The binary section: each input with a binary_data_size, in order, then nothing more. */
    void read(InputStream body, List<InputTensor> tensors, long headerLength) throws IOException {
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
                                + InferRequestParser.HEADER_LENGTH
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
}
