package mmdigits.common.kafka;

import com.google.protobuf.MessageLite;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Binary protobuf for any of our messages; marks the record {@code content-type:
 * application/x-protobuf}.
 */
public class ProtoSerializer<T extends MessageLite> implements Serializer<T> {
    private static final byte[] PROTOBUF = ContentTypes.PROTOBUF.getBytes(StandardCharsets.UTF_8);

    @Override
    public byte[] serialize(String topic, T data) {
        return data == null ? null : data.toByteArray();
    }

    @Override
    public byte[] serialize(String topic, Headers headers, T data) {
        if (data != null && headers != null) {
            headers.remove(ContentTypes.HEADER);
            headers.add(ContentTypes.HEADER, PROTOBUF);
        }
        return serialize(topic, data);
    }
}
