package mmdigits.common.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import mmdigits.common.proto.Event;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

public class EventDeserializer implements Deserializer<Event> {
    @Override
    public Event deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            return Event.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            throw new SerializationException(
                    "undecodable Event ("
                            + data.length
                            + " bytes) on "
                            + topic
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }
}
