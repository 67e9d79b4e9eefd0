package mmdigits.common.seed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongConsumer;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import mmdigits.common.sample.Dimensions;
import mmdigits.common.sample.SampleIds;

/**
 * One split of a seed directory (images, audio and, for train, labels), opened and fully validated:
 * files present and parsable, shapes 784 / 507, equal row counts, every value finite, labels 0–9
 * with complete unique row ids. Only a split that passes all of this can be read sample by sample.
 */
public final class SeedSplit implements AutoCloseable {
    private final Split split;
    private final NpyArray images;
    private final NpyArray audio;
    private final Labels labels;

    private SeedSplit(Split split, NpyArray images, NpyArray audio, Labels labels) {
        this.split = split;
        this.images = images;
        this.audio = audio;
        this.labels = labels;
    }

    /**
     * Opens and validates a split. Labels are required for train and optional for test ({@code
     * y_test.csv}).
     *
     * @param progress called with the number of rows checked so far (may be null)
     */
    public static SeedSplit open(Path dir, Split split, LongConsumer progress)
            throws SeedFileException {
        NpyArray images = null;
        NpyArray audio = null;
        try {
            images = NpyArray.open(dir.resolve(SeedFiles.images(split)));
            checkShape(
                    images,
                    Dimensions.IMAGE,
                    "(N, 784), (N, 28, 28) or (N, 1, 28, 28)",
                    new long[][] {{784}, {28, 28}, {1, 28, 28}});
            audio = NpyArray.open(dir.resolve(SeedFiles.audio(split)));
            checkShape(
                    audio,
                    Dimensions.AUDIO,
                    "(N, 507) or (N, 39, 13)",
                    new long[][] {{507}, {39, 13}});
            if (images.rows() != audio.rows()) {
                throw new SeedFileException(
                        audio.name(),
                        "has "
                                + audio.rows()
                                + " rows but "
                                + images.name()
                                + " has "
                                + images.rows()
                                + ": the files of a split must have one row per sample");
            }
            if (images.rows() == 0) {
                throw new SeedFileException(images.name(), "has no rows");
            }
            Path labelFile = dir.resolve(SeedFiles.labels(split));
            Labels labels = null;
            if (split == Split.TRAIN || Files.exists(labelFile)) {
                labels = LabelsCsv.read(labelFile);
                if (labels.size() != images.rows()) {
                    throw new SeedFileException(
                            labelFile.getFileName().toString(),
                            "has "
                                    + labels.size()
                                    + " labels but "
                                    + images.name()
                                    + " has "
                                    + images.rows()
                                    + " rows");
                }
            }
            checkFinite(images, audio, progress);
            return new SeedSplit(split, images, audio, labels);
        } catch (SeedFileException | RuntimeException e) {
            if (images != null) {
                images.close();
            }
            if (audio != null) {
                audio.close();
            }
            throw e;
        }
    }

    private static void checkShape(NpyArray a, int length, String allowed, long[][] trailing)
            throws SeedFileException {
        long[] shape = a.shape();
        for (long[] t : trailing) {
            if (shape.length == t.length + 1) {
                boolean ok = true;
                for (int i = 0; i < t.length; i++) {
                    ok &= shape[i + 1] == t[i];
                }
                if (ok) {
                    return;
                }
            }
        }
        throw new SeedFileException(
                a.name(),
                "shape "
                        + a.shapeString()
                        + " is not "
                        + allowed
                        + " (each row must hold "
                        + length
                        + " values)");
    }

    private static void checkFinite(NpyArray images, NpyArray audio, LongConsumer progress)
            throws SeedFileException {
        boolean imagesMayBeNonFinite =
                images.dtype() == NpyDType.FLOAT32 || images.dtype() == NpyDType.FLOAT64;
        boolean audioMayBeNonFinite =
                audio.dtype() == NpyDType.FLOAT32 || audio.dtype() == NpyDType.FLOAT64;
        float[] img = new float[images.rowLength()];
        float[] aud = new float[audio.rowLength()];
        for (long r = 0; r < images.rows(); r++) {
            if (imagesMayBeNonFinite) {
                images.readRow(r, img);
                checkRow(images, r, img);
            }
            if (audioMayBeNonFinite) {
                audio.readRow(r, aud);
                checkRow(audio, r, aud);
            }
            if (progress != null && (r & 1023) == 1023) {
                progress.accept(r + 1);
            }
        }
        if (progress != null) {
            progress.accept(images.rows());
        }
    }

    private static void checkRow(NpyArray a, long row, float[] values) throws SeedFileException {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new SeedFileException(
                        a.name(),
                        "row " + row + ", column " + i + ": value " + values[i] + " is not finite");
            }
        }
    }

    public Split split() {
        return split;
    }

    public long rows() {
        return images.rows();
    }

    public boolean labeled() {
        return labels != null;
    }

    /** The row id of row {@code index}: from the label file, else the index itself. */
    public long rowId(long index) {
        return labels == null ? index : labels.rowIds()[Math.toIntExact(index)];
    }

    /** Builds the sample of row {@code index} (values exactly as in the files, as float32). */
    public Sample sample(String dataset, long index) throws SeedFileException {
        float[] img = new float[Dimensions.IMAGE];
        float[] aud = new float[Dimensions.AUDIO];
        images.readRow(index, img);
        audio.readRow(index, aud);
        long rowId = rowId(index);
        Sample.Builder b =
                Sample.newBuilder()
                        .setId(SampleIds.of(dataset, split, rowId))
                        .setDataset(dataset)
                        .setSplit(split)
                        .setRowId(rowId);
        if (labels != null) {
            b.setLabel(labels.labels()[Math.toIntExact(index)]);
        }
        for (float v : img) {
            b.addImage(v);
        }
        for (float v : aud) {
            b.addAudio(v);
        }
        return b.build();
    }

    @Override
    public void close() {
        images.close();
        audio.close();
    }
}
