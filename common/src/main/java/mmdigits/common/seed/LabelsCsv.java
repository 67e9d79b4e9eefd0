package mmdigits.common.seed;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

/**
 * {@code y_train.csv} / {@code y_test.csv} / {@code predictions.csv}: a header {@code row_id,label}
 * (or a lone {@code label} column, row ids then being 0, 1, 2, …), CRLF or LF, whitespace around
 * values allowed, labels 0–9. Row ids are unique and complete (a contiguous range); row i of the
 * NPY files is the i-th smallest row id.
 */
public final class LabelsCsv {
    public static final String ROW_ID = "row_id";
    public static final String LABEL = "label";

    private static final CSVFormat READ =
            CSVFormat.DEFAULT
                    .builder()
                    .setTrim(true)
                    .setIgnoreSurroundingSpaces(true)
                    .setIgnoreEmptyLines(true)
                    .get();
    private static final CSVFormat WRITE =
            CSVFormat.DEFAULT.builder().setRecordSeparator("\n").setHeader(ROW_ID, LABEL).get();

    private LabelsCsv() {}

    public static Labels read(Path file) throws SeedFileException {
        String name = file.getFileName().toString();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                CSVParser parser = CSVParser.parse(reader, READ)) {
            return parse(name, parser);
        } catch (NoSuchFileException e) {
            throw new SeedFileException(name, "file not found (" + file + ")");
        } catch (IOException | UncheckedIOException e) {
            throw new SeedFileException(name, "cannot be parsed as CSV: " + e.getMessage(), e);
        }
    }

    private static Labels parse(String name, CSVParser parser) throws SeedFileException {
        int rowIdColumn = -1;
        int labelColumn = -1;
        int columns = 0;
        boolean headerSeen = false;
        List<long[]> rows = new ArrayList<>(); // {rowId, label, line}
        for (CSVRecord record : parser) {
            long line = parser.getCurrentLineNumber();
            if (!headerSeen) {
                headerSeen = true;
                columns = record.size();
                for (int i = 0; i < record.size(); i++) {
                    String h = record.get(i).replace("\uFEFF", "").trim().toLowerCase(Locale.ROOT);
                    if (h.equals(ROW_ID) || h.equals("id")) {
                        rowIdColumn = i;
                    } else if (h.equals(LABEL)) {
                        labelColumn = i;
                    }
                }
                if (labelColumn < 0) {
                    throw new SeedFileException(
                            name,
                            "line "
                                    + line
                                    + ": header must be 'row_id,label' or 'label', got '"
                                    + String.join(",", record.toList())
                                    + "'");
                }
                continue;
            }
            if (record.size() != columns) {
                throw new SeedFileException(
                        name,
                        "line "
                                + line
                                + ": expected "
                                + columns
                                + " columns, got "
                                + record.size());
            }
            int index = rows.size();
            long rowId = index;
            if (rowIdColumn >= 0) {
                String v = record.get(rowIdColumn);
                try {
                    rowId = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new SeedFileException(
                            name, "line " + line + ": row_id '" + v + "' is not an integer");
                }
                if (rowId < 0) {
                    throw new SeedFileException(
                            name, "line " + line + ": row_id " + rowId + " is negative");
                }
            }
            String lv = record.get(labelColumn);
            int label;
            try {
                label = Integer.parseInt(lv.endsWith(".0") ? lv.substring(0, lv.length() - 2) : lv);
            } catch (NumberFormatException e) {
                throw new SeedFileException(
                        name, "line " + line + ": label '" + lv + "' is not an integer 0-9");
            }
            if (label < 0 || label > 9) {
                throw new SeedFileException(
                        name, "line " + line + ": label " + label + " is not in 0-9");
            }
            rows.add(new long[] {rowId, label, line});
        }
        if (!headerSeen) {
            throw new SeedFileException(
                    name, "is empty (expected a header 'row_id,label' and one row per sample)");
        }
        if (rows.isEmpty()) {
            throw new SeedFileException(name, "has a header but no rows");
        }
        Map<Long, Long> lineOf = new HashMap<>();
        for (long[] r : rows) {
            Long previous = lineOf.putIfAbsent(r[0], r[2]);
            if (previous != null) {
                throw new SeedFileException(
                        name,
                        "line "
                                + r[2]
                                + ": row_id "
                                + r[0]
                                + " appears twice (first on line "
                                + previous
                                + ")");
            }
        }
        rows.sort((a, b) -> Long.compare(a[0], b[0]));
        long first = rows.get(0)[0];
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i)[0] != first + i) {
                throw new SeedFileException(
                        name,
                        "row ids are not complete: "
                                + (first + i)
                                + " is missing (ids run from "
                                + first
                                + " to "
                                + rows.get(rows.size() - 1)[0]
                                + " with "
                                + rows.size()
                                + " rows)");
            }
        }
        long[] ids = new long[rows.size()];
        int[] labels = new int[rows.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rows.get(i)[0];
            labels[i] = (int) rows.get(i)[1];
        }
        return new Labels(ids, labels);
    }

    /** Writes {@code row_id,label} with LF line ends, rows in the given order. */
    public static void write(Path file, long[] rowIds, int[] labels) throws IOException {
        if (rowIds.length != labels.length) {
            throw new IllegalArgumentException(
                    rowIds.length + " row ids but " + labels.length + " labels");
        }
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
                CSVPrinter printer = new CSVPrinter(w, WRITE)) {
            for (int i = 0; i < rowIds.length; i++) {
                printer.printRecord(rowIds[i], labels[i]);
            }
        }
    }

    /** Row ids 0..n-1. */
    public static long[] sequentialIds(int n) {
        long[] ids = new long[n];
        Arrays.setAll(ids, i -> i);
        return ids;
    }
}
