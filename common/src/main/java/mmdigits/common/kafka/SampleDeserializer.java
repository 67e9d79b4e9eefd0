package mmdigits.common.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import mmdigits.common.proto.Sample;
import mmdigits.common.sample.InvalidSampleException;
import mmdigits.common.sample.SampleJson;
import mmdigits.common.sample.SampleValidator;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads a {@link Sample} in binary protobuf, or in its JSON form when the record has the header
 * {@code content-type: application/json}, and validates it. A record that fails either step raises
 * a {@link SerializationException} whose message says why (consumers send it to the dead-letter
 * topic).
 */
public class SampleDeserializer implements Deserializer<Sample> {

    @Override
    public Sample deserialize(String topic, byte[] data) {
        return deserialize(topic, null, data);
    }

    @Override
    public Sample deserialize(String topic, Headers headers, byte[] data) {
        if (data == null) {
            return null;
        }
        String contentType = contentType(headers);
        Sample sample;
        try {
            if (contentType != null && contentType.startsWith(ContentTypes.JSON)) {
                sample = SampleJson.parse(new String(data, StandardCharsets.UTF_8));
            } else {
                sample = Sample.parseFrom(data);
            }
        } catch (InvalidProtocolBufferException e) {
            throw new SerializationException(
                    "undecodable Sample ("
                            + (contentType == null ? ContentTypes.PROTOBUF : contentType)
                            + ", "
                            + data.length
                            + " bytes) on "
                            + topic
                            + ": "
                            + e.getMessage(),
                    e);
        }
        try {
            return SampleValidator.validate(sample);
        } catch (InvalidSampleException e) {
            throw new SerializationException(
                    "invalid Sample '" + sample.getId() + "' on " + topic + ": " + e.getMessage(),
                    e);
        }
    }

    static String contentType(Headers headers) {
        if (headers == null) {
            return null;
        }
        Header header = headers.lastHeader(ContentTypes.HEADER);
        return header == null || header.value() == null
                ? null
                : new String(header.value(), StandardCharsets.UTF_8)
                        .trim()
                        .toLowerCase(Locale.ROOT);
    }
}
