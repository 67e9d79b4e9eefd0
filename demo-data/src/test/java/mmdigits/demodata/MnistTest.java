package mmdigits.demodata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class MnistTest {
    /**
     * An IDX file laid out as the format describes: magic, big-endian dimensions, then the bytes.
     */
    static byte[] idxFile(int magic, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    @Test
    void parsesIdx() throws IOException {
        byte[] data = {0, 1, 2, (byte) 255, 4, 5};
        assertThat(
                        Mnist.idx(
                                idxFile(0x0803, new int[] {1, 2, 3}, data),
                                "x",
                                0x0803,
                                new int[] {1, 2, 3}))
                .containsExactly(data);
    }

    @Test
    void rejectsWrongMagicCountsAndLength() {
        assertThatThrownBy(
                        () ->
                                Mnist.idx(
                                        idxFile(0x0801, new int[] {2}, new byte[2]),
                                        "imgs",
                                        0x0803,
                                        new int[] {2}))
                .hasMessage("imgs: magic number 0x00000801, expected 0x00000803");
        assertThatThrownBy(
                        () ->
                                Mnist.idx(
                                        idxFile(0x0801, new int[] {3}, new byte[3]),
                                        "labels",
                                        0x0801,
                                        new int[] {2}))
                .hasMessage("labels: dimension 0 is 3, expected 2");
        assertThatThrownBy(
                        () ->
                                Mnist.idx(
                                        idxFile(0x0801, new int[] {2}, new byte[1]),
                                        "labels",
                                        0x0801,
                                        new int[] {2}))
                .hasMessage("labels: 1 data bytes, expected 2");
        assertThatThrownBy(() -> Mnist.idx(new byte[3], "t", 0x0801, new int[] {2}))
                .hasMessage("t: too short for an IDX header");
    }
}
