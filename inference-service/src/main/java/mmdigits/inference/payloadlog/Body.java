package mmdigits.inference.payloadlog;

import com.google.protobuf.Message;

/**
 * A request's or an answer's body as the payload log keeps it: the bytes as received or sent (JSON
 * or not), a gRPC message (written in its JSON form by the sender), or only its size when it was
 * not kept ({@code omitted} says why: {@code too_large}, {@code multipart}).
 */
public record Body(String contentType, long size, byte[] bytes, Message message, String omitted) {
    public static final String TOO_LARGE = "too_large";
    public static final String MULTIPART = "multipart";

    /** The bytes of a body of {@code size} bytes, or none when it was larger than the limit. */
    public static Body of(String contentType, long size, byte[] bytes) {
        return bytes == null
                ? omitted(contentType, size, TOO_LARGE)
                : new Body(contentType, size, bytes, null, null);
    }

    public static Body of(Message message, long maxBytes) {
        int size = message.getSerializedSize();
        return size > maxBytes
                ? omitted(PayloadEvents.PROTOBUF, size, TOO_LARGE)
                : new Body(PayloadEvents.PROTOBUF, size, null, message, null);
    }

    public static Body omitted(String contentType, long size, String why) {
        return new Body(contentType, size, null, null, why);
    }

    /** Bytes held in memory while the event waits (a message's serialized size). */
    long heldBytes() {
        return bytes != null ? bytes.length : message != null ? size : 0;
    }
}
