package mmdigits.inference.kserve;

import java.util.List;

/**
 * One input tensor of an infer request as it came — from REST JSON, REST's binary tensor extension
 * or gRPC — before {@link InferInputs} checks it: its fields, its values as floats and how many
 * there are.
 */
public final class InputTensor {
    /** Where it was in the request, for messages: "inputs[0]". */
    final String field;

    String name;
    String datatype;
    List<Long> shape;
    float[] values;

    /** Values read; -1 while none came. */
    int count = -1;

    /** REST binary extension: {@code parameters.binary_data_size}, -1 without. */
    long binaryDataSize = -1;

    public InputTensor(String field) {
        this.field = field;
    }

    public InputTensor(String field, String name, String datatype, List<Long> shape) {
        this(field);
        this.name = name;
        this.datatype = datatype;
        this.shape = shape;
    }

    /** The values, {@code count} of them at the start of {@code values}. */
    public InputTensor values(float[] values, int count) {
        this.values = values;
        this.count = count;
        return this;
    }

    public String field() {
        return field;
    }

    public String name() {
        return name;
    }

    public String datatype() {
        return datatype;
    }
}
