package mmdigits.common.seed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URISyntaxException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reads files that numpy wrote (src/test/resources/npy/make_fixtures.py) and checks every value.
 */
class NpyArrayTest {

    static Path fixture(String name) {
        try {
            return Path.of(NpyArrayTest.class.getResource("/npy/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing fixture " + name, e);
        }
    }

    /** The formula make_fixtures.py wrote, in logical C order. */
    static float expected(int row, int feature) {
        return (row * 7 + feature * 3) % 101 - 50;
    }

    static Stream<String> numericFixtures() throws Exception {
        try (Stream<Path> files = Files.list(fixture("make_fixtures.py").getParent())) {
            return files
                    .map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("(u1|i1|i2|i4|i8|f4|f8)_(le|be)_[CF]_v[123]\\.npy"))
                    .sorted()
                    .toList()
                    .stream();
        }
    }

    @Test
    void everyDtypeOrderAndVersionIsCovered() throws Exception {
        // 2 one-byte types x 2 orders x 3 versions + 5 multi-byte types x 2 byte orders x 2 orders
        // x 3 versions
        assertThat(numericFixtures().count()).isEqualTo(2 * 2 * 3 + 5 * 2 * 2 * 3);
    }

    @ParameterizedTest
    @MethodSource("numericFixtures")
    void readsNumpyFiles(String name) throws Exception {
        String[] parts = name.replace(".npy", "").split("_");
        try (NpyArray a = NpyArray.open(fixture(name))) {
            assertThat(a.dtype().code()).isEqualTo(parts[0]);
            assertThat(a.fortranOrder()).isEqualTo(parts[2].equals("F"));
            assertThat(a.version()).isEqualTo(Integer.parseInt(parts[3].substring(1)));
            if (a.dtype().size() > 1) {
                assertThat(a.byteOrder())
                        .isEqualTo(
                                parts[1].equals("be")
                                        ? ByteOrder.BIG_ENDIAN
                                        : ByteOrder.LITTLE_ENDIAN);
            }
            assertThat(a.shape()).containsExactly(5, 3, 4);
            assertThat(a.rowLength()).isEqualTo(12);
            float offset = parts[0].equals("u1") ? 50 : 0;
            float[] row = new float[12];
            for (int r = 0; r < 5; r++) {
                a.readRow(r, row);
                for (int f = 0; f < 12; f++) {
                    assertThat(row[f])
                            .as("%s row %d feature %d", name, r, f)
                            .isEqualTo(expected(r, f) + offset);
                }
            }
        }
    }

    @Test
    void readsBool() throws Exception {
        try (NpyArray a = NpyArray.open(fixture("b1_C_v1.npy"))) {
            assertThat(a.dtype()).isEqualTo(NpyDType.BOOL);
            float[] row = new float[12];
            a.readRow(2, row);
            for (int f = 0; f < 12; f++) {
                assertThat(row[f]).isEqualTo(Math.floorMod((int) expected(2, f), 2) == 0 ? 1f : 0f);
            }
        }
    }

    @Test
    void flattensMultiDimensionalRowsInCOrderWhateverTheMemoryOrder() throws Exception {
        for (var c :
                List.of(
                        new Object[] {"image_28x28_u1_F.npy", 784, 50f},
                        new Object[] {"image_1x28x28_f4_C.npy", 784, 0f},
                        new Object[] {"audio_39x13_f4_F.npy", 507, 0f},
                        new Object[] {"audio_507_f8_be.npy", 507, 0f})) {
            try (NpyArray a = NpyArray.open(fixture((String) c[0]))) {
                int len = (Integer) c[1];
                assertThat(a.rowLength()).isEqualTo(len);
                float[] row = new float[len];
                for (int r = 0; r < 5; r++) {
                    a.readRow(r, row);
                    for (int f = 0; f < len; f++) {
                        assertThat(row[f])
                                .as("%s[%d,%d]", c[0], r, f)
                                .isEqualTo(expected(r, f) + (Float) c[2]);
                    }
                }
            }
        }
    }

    @Test
    void brokenFilesGiveClearErrors() {
        assertThatThrownBy(() -> NpyArray.open(fixture("truncated.npy")))
                .isInstanceOf(SeedFileException.class)
                .hasMessageStartingWith(
                        "truncated.npy: truncated: shape (5, 3, 4) of <f4 needs 240 bytes of data, the file has 234");
        assertThatThrownBy(() -> NpyArray.open(fixture("bad_magic.npy")))
                .hasMessageContaining("bad_magic.npy: not an NPY file");
        assertThatThrownBy(() -> NpyArray.open(fixture("trailing.npy")))
                .hasMessage(
                        "trailing.npy: has 4 bytes after the data that shape (5, 3, 4) of <f4 describes");
        assertThatThrownBy(() -> NpyArray.open(fixture("vector.npy")))
                .hasMessageContaining(
                        "vector.npy: expected an array of rows (2 or more dimensions), got shape (4,)");
        assertThatThrownBy(() -> NpyArray.open(fixture("complex.npy")))
                .hasMessageContaining("complex.npy: unsupported dtype '<c8'");
        assertThatThrownBy(
                        () ->
                                NpyArray.open(
                                        fixture("make_fixtures.py").resolveSibling("missing.npy")))
                .hasMessageStartingWith("missing.npy: file not found");
    }

    @Test
    void emptyAndTinyFiles(@TempDir Path dir) throws Exception {
        Path empty = Files.write(dir.resolve("x_train_wr.npy"), new byte[0]);
        assertThatThrownBy(() -> NpyArray.open(empty))
                .hasMessage(
                        "x_train_wr.npy: not an NPY file: only 0 bytes, too short for the NPY header");
        Path text = Files.writeString(dir.resolve("x_test_sp.npy"), "row_id,label\n0,1\n");
        assertThatThrownBy(() -> NpyArray.open(text))
                .hasMessageContaining("x_test_sp.npy: not an NPY file");
    }

    @Test
    void writerRoundTripsThroughReader(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("w.npy");
        try (NpyWriter w = NpyWriter.create(f, NpyDType.FLOAT32, 3, 39, 13)) {
            for (int r = 0; r < 3; r++) {
                float[] row = new float[507];
                for (int i = 0; i < 507; i++) {
                    row[i] = expected(r, i) / 7f;
                }
                w.writeRow(row);
            }
        }
        // numpy pads the header so that the data starts at a multiple of 64
        byte[] bytes = Files.readAllBytes(f);
        assertThat(bytes.length - 3 * 507 * 4).isEqualTo(128);
        assertThat(bytes[127]).isEqualTo((byte) '\n');
        try (NpyArray a = NpyArray.open(f)) {
            assertThat(a.shape()).containsExactly(3, 39, 13);
            float[] row = new float[507];
            a.readRow(2, row);
            assertThat(row[100]).isEqualTo(expected(2, 100) / 7f);
        }
    }
}
