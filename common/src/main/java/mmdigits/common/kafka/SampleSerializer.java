package mmdigits.common.kafka;

import mmdigits.common.proto.Sample;

public class SampleSerializer extends ProtoSerializer<Sample> {}
