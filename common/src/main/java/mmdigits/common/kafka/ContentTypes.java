package mmdigits.common.kafka;

/**
 * The {@code content-type} record header that tells binary protobuf from JSON on the sample topics.
 */
public final class ContentTypes {
    public static final String HEADER = "content-type";
    public static final String PROTOBUF = "application/x-protobuf";
    public static final String JSON = "application/json";

    private ContentTypes() {}
}
