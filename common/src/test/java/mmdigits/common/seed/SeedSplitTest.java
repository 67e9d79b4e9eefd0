package mmdigits.common.seed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeedSplitTest {
    @TempDir Path dir;

    void write(String name, NpyDType type, long rows, int[] trailing, float value)
            throws Exception {
        long[] shape = new long[trailing.length + 1];
        shape[0] = rows;
        int len = 1;
        for (int i = 0; i < trailing.length; i++) {
            shape[i + 1] = trailing[i];
            len *= trailing[i];
        }
        try (NpyWriter w = NpyWriter.create(dir.resolve(name), type, shape)) {
            for (int r = 0; r < rows; r++) {
                float[] row = new float[len];
                for (int i = 0; i < len; i++) {
                    row[i] = type == NpyDType.UINT8 ? (r * 31 + i) % 256 : r + i / 1000f;
                }
                if (r == 2 && !Float.isFinite(value)) {
                    row[17] = value;
                }
                w.writeRow(row);
            }
        }
    }

    @Test
    void validSplitGivesSamplesWithIdsLabelsAndExactValues() throws Exception {
        write("x_train_wr.npy", NpyDType.UINT8, 4, new int[] {28, 28}, 0);
        write("x_train_sp.npy", NpyDType.FLOAT32, 4, new int[] {39, 13}, 0);
        Files.writeString(dir.resolve("y_train.csv"), "row_id,label\n0,5\n1,0\n2,4\n3,1\n");
        try (SeedSplit s = SeedSplit.open(dir, Split.TRAIN, null)) {
            assertThat(s.rows()).isEqualTo(4);
            Sample x = s.sample("mnist", 2);
            assertThat(x.getId()).isEqualTo("mnist/train/2");
            assertThat(x.getLabel()).isEqualTo(4);
            assertThat(x.getImage(100)).isEqualTo((2 * 31 + 100) % 256);
            assertThat(x.getAudio(506)).isEqualTo(2 + 506 / 1000f);
        }
    }

    @Test
    void testSplitWithoutLabelsIsUnlabeled() throws Exception {
        write("x_test_wr.npy", NpyDType.UINT8, 3, new int[] {784}, 0);
        write("x_test_sp.npy", NpyDType.FLOAT32, 3, new int[] {507}, 0);
        try (SeedSplit s = SeedSplit.open(dir, Split.TEST, null)) {
            assertThat(s.labeled()).isFalse();
            assertThat(s.sample("d", 1).hasLabel()).isFalse();
            assertThat(s.sample("d", 1).getId()).isEqualTo("d/test/1");
        }
    }

    @Test
    void rejectsWhatDoesNotFit() throws Exception {
        write("x_train_wr.npy", NpyDType.UINT8, 4, new int[] {28, 28}, 0);
        write("x_train_sp.npy", NpyDType.FLOAT32, 3, new int[] {507}, 0);
        Files.writeString(dir.resolve("y_train.csv"), "row_id,label\n0,5\n1,0\n2,4\n3,1\n");
        assertThatThrownBy(() -> SeedSplit.open(dir, Split.TRAIN, null))
                .isInstanceOf(SeedFileException.class)
                .hasMessage(
                        "x_train_sp.npy: has 3 rows but x_train_wr.npy has 4: the files of a split must have one row per sample");

        write("x_train_sp.npy", NpyDType.FLOAT32, 4, new int[] {13, 39}, 0);
        assertThatThrownBy(() -> SeedSplit.open(dir, Split.TRAIN, null))
                .hasMessage(
                        "x_train_sp.npy: shape (4, 13, 39) is not (N, 507) or (N, 39, 13) (each row must hold 507 values)");

        write("x_train_sp.npy", NpyDType.FLOAT32, 4, new int[] {507}, Float.NaN);
        assertThatThrownBy(() -> SeedSplit.open(dir, Split.TRAIN, null))
                .hasMessage("x_train_sp.npy: row 2, column 17: value NaN is not finite");

        write("x_train_sp.npy", NpyDType.FLOAT32, 4, new int[] {507}, 0);
        Files.writeString(dir.resolve("y_train.csv"), "row_id,label\n0,5\n1,0\n2,4\n");
        assertThatThrownBy(() -> SeedSplit.open(dir, Split.TRAIN, null))
                .hasMessage("y_train.csv: has 3 labels but x_train_wr.npy has 4 rows");

        Files.delete(dir.resolve("y_train.csv"));
        assertThatThrownBy(() -> SeedSplit.open(dir, Split.TRAIN, null))
                .hasMessageStartingWith("y_train.csv: file not found");
    }
}
