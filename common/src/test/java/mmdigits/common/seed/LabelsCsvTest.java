package mmdigits.common.seed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelsCsvTest {
    @TempDir Path dir;

    Labels read(String content) throws Exception {
        return LabelsCsv.read(Files.writeString(dir.resolve("y_train.csv"), content));
    }

    @Test
    void rowIdAndLabelWithCrlfAndWhitespace() throws Exception {
        Labels l = read("row_id,label\r\n 2 , 7\r\n0,3\r\n1 ,9\r\n\r\n");
        assertThat(l.rowIds()).containsExactly(0, 1, 2);
        assertThat(l.labels()).containsExactly(3, 9, 7);
    }

    @Test
    void loneLabelColumnNumbersRowsFromZero() throws Exception {
        Labels l = read("label\n4\n5\n6\n");
        assertThat(l.rowIds()).containsExactly(0, 1, 2);
        assertThat(l.labels()).containsExactly(4, 5, 6);
    }

    @Test
    void byteOrderMarkAndPandasFloatLabels() throws Exception {
        Labels l = read("\uFEFFrow_id,label\n10,1.0\n11,2\n");
        assertThat(l.rowIds()).containsExactly(10, 11);
        assertThat(l.labels()).containsExactly(1, 2);
    }

    @Test
    void errorsNameFileLineAndProblem() {
        assertThatThrownBy(() -> read("row_id,label\n0,3\n1,10\n"))
                .isInstanceOf(SeedFileException.class)
                .hasMessage("y_train.csv: line 3: label 10 is not in 0-9");
        assertThatThrownBy(() -> read("row_id,label\n0,3\n1,x\n"))
                .hasMessage("y_train.csv: line 3: label 'x' is not an integer 0-9");
        assertThatThrownBy(() -> read("row_id,label\n0,3\n0,4\n"))
                .hasMessage("y_train.csv: line 3: row_id 0 appears twice (first on line 2)");
        assertThatThrownBy(() -> read("row_id,label\n0,3\n2,4\n"))
                .hasMessage(
                        "y_train.csv: row ids are not complete: 1 is missing (ids run from 0 to 2 with 2 rows)");
        assertThatThrownBy(() -> read("id,digit\n0,3\n"))
                .hasMessage(
                        "y_train.csv: line 1: header must be 'row_id,label' or 'label', got 'id,digit'");
        assertThatThrownBy(() -> read("")).hasMessageStartingWith("y_train.csv: is empty");
        assertThatThrownBy(() -> read("row_id,label\n"))
                .hasMessage("y_train.csv: has a header but no rows");
        assertThatThrownBy(() -> read("row_id,label\n0,3,5\n"))
                .hasMessage("y_train.csv: line 2: expected 2 columns, got 3");
        assertThatThrownBy(() -> read("row_id,label\n-1,3\n"))
                .hasMessage("y_train.csv: line 2: row_id -1 is negative");
    }

    @Test
    void writesTheOriginalFormat() throws Exception {
        Path f = dir.resolve("predictions.csv");
        LabelsCsv.write(f, new long[] {0, 1, 2}, new int[] {7, 0, 9});
        assertThat(Files.readString(f)).isEqualTo("row_id,label\n0,7\n1,0\n2,9\n");
    }
}
