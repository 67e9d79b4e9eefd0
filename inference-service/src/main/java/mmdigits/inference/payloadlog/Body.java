package mmdigits.inference.payloadlog;

import com.google.protobuf.Message;

/**
 * A request's or an answer's body as the payload log keeps it: the bytes as received or sent (JSON
 * or not), an answer's entity or a gRPC message (both written to JSON by the sender, off the
 * request's thread), or only its size when it was not kept ({@code omitted} says why: {@code
 * too_large}, {@code multipart}, {@code not_read}).
 */
public record Body(
        String contentType,
        long size,
        byte[] bytes,
        Message message,
        Object entity,
        String omitted) {
    /** What an answer's entity is taken to hold until the sender writes it (the queue's bound). */
    static final long ENTITY_ESTIMATE = 1024;

    public static final String TOO_LARGE = "too_large";
    public static final String MULTIPART = "multipart";

    /** The bytes of a body of {@code size} bytes, or none when it was larger than the limit. */
    public static Body of(String contentType, long size, byte[] bytes) {
        return bytes == null
                ? omitted(contentType, size, TOO_LARGE)
                : new Body(contentType, size, bytes, null, null, null);
    }

    public static Body of(Message message, long maxBytes) {
        int size = message.getSerializedSize();
        return size > maxBytes
                ? omitted(PayloadEvents.PROTOBUF, size, TOO_LARGE)
                : new Body(PayloadEvents.PROTOBUF, size, null, message, null, null);
    }

    /** A REST answer's entity, as the resource returned it: written to JSON by the sender. */
    public static Body entity(String contentType, Object entity, int items) {
        return new Body(
                contentType, ENTITY_ESTIMATE * Math.max(1, items), null, null, entity, null);
    }

    public static Body omitted(String contentType, long size, String why) {
        return new Body(contentType, size, null, null, null, why);
    }

    /** Bytes held in memory while the event waits (a message's serialized size). */
    long heldBytes() {
        return bytes != null ? bytes.length : message != null || entity != null ? size : 0;
    }
}
