package mmdigits.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.function.IntFunction;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class SampleDeserializerTest {
    final SampleDeserializer deserializer = new SampleDeserializer();

    static Sample sample() {
        Sample.Builder b =
                Sample.newBuilder()
                        .setId("d/test/3")
                        .setDataset("d")
                        .setSplit(Split.TEST)
                        .setRowId(3);
        for (int i = 0; i < 784; i++) {
            b.addImage(i % 256);
        }
        for (int i = 0; i < 507; i++) {
            b.addAudio(i * 0.1f - 20f);
        }
        return b.build();
    }

    @Test
    void binaryRoundTripIsBitExactAndMarked() {
        RecordHeaders headers = new RecordHeaders();
        byte[] bytes = new SampleSerializer().serialize("t", headers, sample());
        assertThat(new String(headers.lastHeader("content-type").value(), StandardCharsets.UTF_8))
                .isEqualTo("application/x-protobuf");
        Sample back = deserializer.deserialize("t", headers, bytes);
        assertThat(back).isEqualTo(sample());
        assertThat(Float.floatToRawIntBits(back.getAudio(123)))
                .isEqualTo(Float.floatToRawIntBits(123 * 0.1f - 20f));
    }

    @Test
    void jsonFormIsAcceptedWithItsHeader() {
        String json =
                "{\"id\":\"d/test/3\",\"dataset\":\"d\",\"split\":\"TEST\",\"row_id\":3,\"image\":"
                        + numbers(784, i -> (float) (i % 256))
                        + ",\"audio\":"
                        + numbers(507, i -> i * 0.1f - 20f)
                        + "}";
        RecordHeaders headers = new RecordHeaders();
        headers.add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        assertThat(deserializer.deserialize("t", headers, json.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(sample());
    }

    @Test
    void invalidRecordsSayWhy() {
        RecordHeaders json = new RecordHeaders();
        json.add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(
                        () ->
                                deserializer.deserialize(
                                        "t",
                                        json,
                                        "{\"id\":\"x\",\"colour\":1}"
                                                .getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("undecodable Sample (application/json")
                .hasMessageContaining("colour");
        Sample full = sample();
        Sample shortImage =
                full.toBuilder()
                        .clearImage()
                        .addAllImage(full.getImageList().subList(1, 784))
                        .build();
        assertThatThrownBy(
                        () ->
                                deserializer.deserialize(
                                        "t", new RecordHeaders(), shortImage.toByteArray()))
                .hasMessage("invalid Sample 'd/test/3' on t: image: must have 784 values, got 783");
        Sample nan = sample().toBuilder().setAudio(5, Float.NaN).build();
        assertThatThrownBy(() -> deserializer.deserialize("t", null, nan.toByteArray()))
                .hasMessage(
                        "invalid Sample 'd/test/3' on t: audio[5]: is not a finite number (NaN)");
        Sample unlabeledTrain = sample().toBuilder().setSplit(Split.TRAIN).build();
        assertThatThrownBy(() -> deserializer.deserialize("t", null, unlabeledTrain.toByteArray()))
                .hasMessageContaining("label: is required for a training sample");
        assertThatThrownBy(
                        () ->
                                deserializer.deserialize(
                                        "t", null, new byte[] {(byte) 0xff, 0x01, 0x02}))
                .hasMessageContaining("undecodable Sample (application/x-protobuf, 3 bytes)");
    }

    static String numbers(int n, IntFunction<Float> f) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ",").append(f.apply(i));
        }
        return sb.append(']').toString();
    }

    @Test
    void nullIsATombstone() {
        assertThat(
                        deserializer.deserialize(
                                "t", new RecordHeaders(Collections.emptyList()), (byte[]) null))
                .isNull();
    }
}
