package mmdigits.common.sample;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import mmdigits.common.proto.Sample;

/**
 * The documented JSON form of {@link Sample} (protobuf's canonical JSON mapping): fields {@code
 * id}, {@code dataset}, {@code split} ("TRAIN"/"TEST"), {@code row_id} (or {@code rowId}), {@code
 * label} (omit for unlabeled), {@code image} (784 numbers), {@code audio} (507 numbers). Printing
 * includes fields at their default value (row_id 0), so the output also satisfies {@code POST
 * /samples}.
 */
public final class SampleJson {
    private static final JsonFormat.Parser PARSER = JsonFormat.parser();
    private static final JsonFormat.Printer PRINTER =
            JsonFormat.printer()
                    .preservingProtoFieldNames()
                    .alwaysPrintFieldsWithNoPresence()
                    .omittingInsignificantWhitespace();

    private SampleJson() {}

    /** Parses (no validation); unknown fields are an error. */
    public static Sample parse(String json) throws InvalidProtocolBufferException {
        Sample.Builder builder = Sample.newBuilder();
        PARSER.merge(json, builder);
        return builder.build();
    }

    public static String print(Sample sample) {
        try {
            return PRINTER.print(sample);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
