package mmdigits.common.kafka;

import mmdigits.common.proto.Event;

public class EventSerializer extends ProtoSerializer<Event> {}
