package mmdigits.common.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Against numpy (src/test/resources/audio/mfcc_reference.py), an independent implementation of the
 * spec.
 */
class MfccTest {
    static Path resource(String name) throws Exception {
        return Path.of(MfccTest.class.getResource("/audio/" + name).toURI());
    }

    @Test
    void matchesTheNumpyReferenceWithin1e4() throws Exception {
        float[] signal = new float[16000];
        float[] expected = new float[507];
        readFlat("signal.npy", signal);
        readFlat("mfcc_expected.npy", expected);
        float[] actual = Mfcc.compute(signal);
        double maxDiff = 0;
        for (int i = 0; i < 507; i++) {
            assertThat(actual[i])
                    .as("frame %d coefficient %d", i / 13, i % 13)
                    .isCloseTo(expected[i], within(1e-4f));
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
        }
        // the silent stretch hits the log floor: c0 = sqrt(26) * ln(1e-10)
        assertThat(actual[31 * 13])
                .isCloseTo((float) (Math.sqrt(26) * Math.log(1e-10)), within(1e-3f));
        assertThat(maxDiff).isLessThan(1e-4);
    }

    /**
     * Reads a numpy file's values in C order (NpyArray reads tables of rows; these fixtures are 1-D
     * or 2-D).
     */
    static void readFlat(String name, float[] dst) throws Exception {
        byte[] bytes = Files.readAllBytes(resource(name));
        int headerLen = (bytes[8] & 0xFF) | (bytes[9] & 0xFF) << 8;
        String header = new String(bytes, 10, headerLen, StandardCharsets.ISO_8859_1);
        var buf =
                ByteBuffer.wrap(bytes, 10 + headerLen, bytes.length - 10 - headerLen)
                        .order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < dst.length; i++) {
            dst[i] = header.contains("<f8") ? (float) buf.getDouble() : buf.getFloat();
        }
    }
}
