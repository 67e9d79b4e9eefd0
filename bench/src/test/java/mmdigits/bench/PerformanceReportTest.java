package mmdigits.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mmdigits.trainer.training.FusionSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed docs/performance.md is what the current generator writes: the same rows in the same
 * order (numbers aside, which a new run changes), the current model's line, the t-SNE row on the
 * current embedding width, and the commit and command it was measured at. Regenerate it with {@code
 * ./digits bench} when this fails.
 */
class PerformanceReportTest {
    static final Path COMMITTED = Path.of("..", "docs", "performance.md");

    /** The first column of every table row, numbers replaced by #. */
    static List<String> labels(String markdown) {
        return markdown.lines()
                .filter(l -> l.startsWith("| ") && !l.startsWith("|---"))
                .map(l -> l.substring(2, l.indexOf(" |", 2)))
                .map(l -> l.replaceAll("[0-9][0-9,.]*", "#"))
                .toList();
    }

    @Test
    void theCommittedReportHasTheRowsAndModelTheGeneratorWrites(@TempDir Path empty)
            throws Exception {
        String committed = Files.readString(COMMITTED);
        String current = PerformanceReport.markdown("./digits bench", "abc1234", empty, 10, 70);
        assertThat(labels(committed)).isEqualTo(labels(current));
        assertThat(committed).contains(PerformanceReport.model());
    }

    @Test
    void theCommittedReportSaysWhichCommitAndCommandItMeasured() throws Exception {
        String committed = Files.readString(COMMITTED);
        assertThat(committed)
                .containsPattern("Written by `\\./digits bench[^`]*` at commit [0-9a-f]{7,40}");
        Matcher tsne = Pattern.compile("\\| t-SNE [0-9,]+ × ([0-9]+): ").matcher(committed);
        assertThat(tsne.find()).as("a t-SNE row with the embedding width").isTrue();
        assertThat(Integer.parseInt(tsne.group(1)))
                .as("the width t-SNE was measured on is the current model's")
                .isEqualTo(FusionSpec.standard().embeddingDim());
    }

    @Test
    void labelsComeFromTheResultsAndTheCode(@TempDir Path bench) throws Exception {
        Files.createDirectories(bench.resolve("tsne-500"));
        Files.writeString(bench.resolve("tsne-500/java.json"), "{\"n\": 500, \"dim\": 96}");
        String md = PerformanceReport.markdown("./digits bench", "abc1234", bench, 500, 0);
        assertThat(md)
                .contains("| t-SNE 500 × 96: seconds ÷ scikit-learn's | not measured |")
                .contains("at commit abc1234")
                .contains("embedding " + FusionSpec.standard().embeddingDim() + " wide");
        assertThat(md).doesNotContain("× 128");
    }
}
