package mmdigits.inference.kserve;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mmdigits.common.sample.Dimensions;
import mmdigits.common.sample.TensorNames;
import mmdigits.inference.Instance;
import mmdigits.inference.InvalidInputException;
import mmdigits.inference.config.InferenceConfig;
import mmdigits.inference.scoring.Scorer;

/**
 * The Open Inference Protocol's inputs, whichever way they came (REST JSON, REST binary, gRPC):
 * checks each tensor — {@code image} [N,784] as FP32, or as UINT8 (what {@code x_test_wr.npy}
 * holds, converted to the same floats losslessly), {@code audio} [N,507] as FP32, both with the
 * same N — and turns them into instances. Every problem is a 400 naming the field.
 */
@ApplicationScoped
public class InferInputs {
    public static final String UINT8 = "UINT8";

    private final Scorer scorer;
    private final int maxValues;

    public InferInputs(Scorer scorer, InferenceConfig config) {
        this.scorer = scorer;
        this.maxValues =
                (int)
                        Math.min(
                                Integer.MAX_VALUE,
                                (long) config.http().maxInstances() * Dimensions.IMAGE);
    }

    /**
     * The most values one tensor may carry: {@code inference.http.max-instances} rows of the widest
     * input.
     */
    public int maxValues() {
        return maxValues;
    }

    /** Bytes per element of a datatype this server takes, 0 for any other. */
    public static int elementSize(String datatype) {
        return KServe.FP32.equals(datatype) ? Float.BYTES : UINT8.equals(datatype) ? 1 : 0;
    }

    /**
     * A tensor's values from raw little-endian bytes (REST binary extension, gRPC {@code
     * raw_input_contents}).
     *
     * @throws KServeException 400 when the datatype is not one this server takes, the size is no
     *     whole number of elements or more than {@link #maxValues()}
     */
    public InputTensor fromRaw(InputTensor t, ByteBuffer raw) {
        int size = elementSize(t.datatype);
        if (size == 0) {
            throw datatypeError(t);
        }
        if (raw.remaining() % size != 0) {
            throw new KServeException(
                    400,
                    t.field
                            + ": "
                            + raw.remaining()
                            + " bytes of "
                            + t.datatype
                            + " is not a whole number of "
                            + size
                            + "-byte elements");
        }
        int n = raw.remaining() / size;
        if (n > maxValues) {
            throw tooMany(t.field);
        }
        float[] values = new float[n];
        if (size == Float.BYTES) {
            raw.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        } else {
            for (int i = 0, p = raw.position(); i < n; i++) {
                values[i] = raw.get(p + i) & 0xFF;
            }
        }
        return t.values(values, n);
    }

    public KServeException tooMany(String field) {
        return new KServeException(
                400,
                field
                        + ": more than "
                        + maxValues
                        + " values (inference.http.max-instances rows of "
                        + Dimensions.IMAGE
                        + ")");
    }

    /** Checks the tensors in order and makes one instance per row. */
    public List<Instance> instances(List<InputTensor> inputs) {
        if (inputs.isEmpty()) {
            throw new KServeException(400, "'inputs' must be a non-empty array of tensors");
        }
        Map<String, float[]> byName = new LinkedHashMap<>();
        long rows = -1;
        for (InputTensor t : inputs) {
            long n = check(t, byName, rows);
            rows = n;
            byName.put(t.name, t.values);
        }
        float[] image = byName.get(TensorNames.IMAGE);
        float[] audio = byName.get(TensorNames.AUDIO);
        List<Instance> instances = new ArrayList<>((int) rows);
        for (int r = 0; r < rows; r++) {
            instances.add(
                    new Instance(row(image, r, Dimensions.IMAGE), row(audio, r, Dimensions.AUDIO)));
        }
        return instances;
    }

    /**
     * Checks one tensor; {@code seen} the inputs before it, {@code rows} their number of rows (-1
     * for the first); its rows.
     */
    private long check(InputTensor t, Map<String, float[]> seen, long rows) {
        String field = t.field;
        if (t.name == null || t.name.isEmpty()) {
            throw new KServeException(400, field + ".name: missing (a string)");
        }
        int width =
                switch (t.name) {
                    case TensorNames.IMAGE -> Dimensions.IMAGE;
                    case TensorNames.AUDIO -> Dimensions.AUDIO;
                    default ->
                            throw new KServeException(
                                    400,
                                    field
                                            + ".name: unknown input '"
                                            + t.name
                                            + "' (expected 'image' and/or 'audio')");
                };
        if (seen.containsKey(t.name)) {
            throw new KServeException(400, field + ".name: input '" + t.name + "' given twice");
        }
        if (t.datatype == null || t.datatype.isEmpty()) {
            throw new KServeException(400, field + ".datatype: missing (a string)");
        }
        if (!t.datatype.equals(KServe.FP32)
                && !(t.datatype.equals(UINT8) && t.name.equals(TensorNames.IMAGE))) {
            throw datatypeError(t);
        }
        long n = rows(t.shape, t.name, width, field);
        if (rows >= 0 && n != rows) {
            throw new KServeException(
                    400, field + ".shape: " + n + " rows, but the other input has " + rows);
        }
        if (t.count < 0) {
            throw new KServeException(
                    400, field + ".data: missing (a flat or nested array of numbers)");
        }
        if (t.count != n * width) {
            throw new KServeException(
                    400,
                    field
                            + ".data: "
                            + t.count
                            + " values for shape ["
                            + n
                            + ","
                            + width
                            + "] ("
                            + n * width
                            + " expected)");
        }
        if (t.datatype.equals(UINT8)) {
            checkUint8(t);
        }
        return n;
    }

    private static KServeException datatypeError(InputTensor t) {
        String allowed = TensorNames.IMAGE.equals(t.name) ? "FP32 or UINT8" : "FP32";
        return new KServeException(
                400,
                t.field
                        + ".datatype: input '"
                        + t.name
                        + "' must be "
                        + allowed
                        + ", got "
                        + t.datatype);
    }

    /** UINT8 values given as JSON numbers must be whole numbers 0..255. */
    private static void checkUint8(InputTensor t) {
        for (int i = 0; i < t.count; i++) {
            float v = t.values[i];
            if (v < 0 || v > 255 || v != Math.rint(v)) {
                throw new KServeException(
                        400,
                        t.field
                                + ".data["
                                + i
                                + "]: "
                                + v
                                + " is not a UINT8 (a whole number 0..255)");
            }
        }
    }

    /** N of a shape [N, width], within the per-request limit. */
    private long rows(List<Long> shape, String name, int width, String field) {
        if (shape == null || shape.size() != 2) {
            throw new KServeException(400, field + ".shape: must be [N," + width + "]");
        }
        long n = shape.get(0);
        if (shape.get(1) != width || n < 1) {
            throw new KServeException(
                    400,
                    field
                            + ".shape: ["
                            + shape.get(0)
                            + ","
                            + shape.get(1)
                            + "] but input '"
                            + name
                            + "' is [N,"
                            + width
                            + "] with N >= 1");
        }
        try {
            scorer.checkCount((int) Math.min(Integer.MAX_VALUE, n), field + ".shape[0]");
        } catch (InvalidInputException e) {
            throw new KServeException(400, e.getMessage());
        }
        return n;
    }

    private static float[] row(float[] values, int r, int width) {
        return values == null ? null : Arrays.copyOfRange(values, r * width, (r + 1) * width);
    }
}
