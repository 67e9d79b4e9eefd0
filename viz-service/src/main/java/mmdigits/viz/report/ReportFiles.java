package mmdigits.viz.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import mmdigits.common.proto.Embedding;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * The text files of a report folder: predictions.csv (the original format), report.json, the
 * interactive view's points.js and script, and the page.
 */
final class ReportFiles {
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportFiles() {}

    /** The original format: header row_id,label; one row per test sample, by row id. */
    static void writePredictions(List<Embedding> es, Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
                CSVPrinter csv =
                        new CSVPrinter(
                                w,
                                CSVFormat.DEFAULT
                                        .builder()
                                        .setHeader("row_id", "label")
                                        .setRecordSeparator("\n")
                                        .get())) {
            for (Embedding e : es) {
                csv.printRecord(e.getRowId(), e.getPredictedLabel());
            }
        }
    }

    /** report.json, the interactive view's data and script, and the page. */
    static void write(Report report, Analysis a, Path dir) throws IOException {
        JSON.writeValue(dir.resolve("report.json").toFile(), report);
        writePoints(a, dir.resolve("points.js"));
        copyViewScript(dir.resolve("tsne-view.js"));
        Files.writeString(
                dir.resolve("index.html"),
                ReportPage.of(report, !a.training().isEmpty(), !a.misses().isEmpty()).render());
    }

    /** One row per point: map x, map y, row id, true label, predicted label, cluster. */
    static void writePoints(Analysis a, Path file) throws IOException {
        EmbeddingTable t = a.table();
        double[][] y = a.map().embedding();
        StringBuilder sb = new StringBuilder("window.TSNE_POINTS = [\n");
        for (int i = 0; i < t.n(); i++) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "[%.4f,%.4f,%d,%d,%d,%d]%s%n",
                            y[i][0],
                            y[i][1],
                            t.embeddings().get(i).getRowId(),
                            t.truth()[i],
                            t.predicted()[i],
                            a.clusters()[i],
                            i + 1 < t.n() ? "," : ""));
        }
        sb.append("];\n");
        Files.writeString(file, sb);
    }

    private static void copyViewScript(Path file) throws IOException {
        try (InputStream in = ReportFiles.class.getResourceAsStream("/report/tsne-view.js")) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
