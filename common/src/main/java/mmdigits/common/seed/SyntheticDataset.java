package mmdigits.common.seed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Seed directories of random values for tests and benchmarks (not learnable; the demo data is the
 * real thing): images uint8 (N, 28, 28), audio float32 (N, 507) with awkward values (negative,
 * tiny, large, -0.0), labels 0-9; every value a function of (seed, split, row, index), so that a
 * reader can check what it got without keeping the files.
 */
public final class SyntheticDataset {
    private SyntheticDataset() {}

    public static float image(long seed, String split, int row, int i) {
        return (float)
                (new SplittableRandom(seed * 1_000_003L + split.hashCode() * 7919L + row)
                                .split()
                                .nextInt(0, 256)
                        ^ (i * 31 % 256));
    }

    public static float audio(long seed, String split, int row, int i) {
        SplittableRandom r =
                new SplittableRandom(seed * 31L + split.hashCode() + row * 1_000_033L + i);
        return switch (i % 5) {
            case 0 -> (float) (r.nextGaussian() * 30);
            case 1 -> (float) (r.nextDouble() * 1e-30);
            case 2 -> -0.0f;
            case 3 -> (float) (r.nextDouble() * 1e6 - 5e5);
            default -> Float.intBitsToFloat(r.nextInt(0x3f800000));
        };
    }

    public static int label(long seed, String split, int row) {
        return (int) ((row * 7 + seed + split.length()) % 10);
    }

    public static Path write(Path dir, long seed, int trainRows, int testRows, boolean testLabels)
            throws Exception {
        Files.createDirectories(dir);
        writeSplit(dir, "train", seed, trainRows, true);
        if (testRows > 0) {
            writeSplit(dir, "test", seed, testRows, testLabels);
        }
        return dir;
    }

    static void writeSplit(Path dir, String split, long seed, int rows, boolean labels)
            throws Exception {
        try (NpyWriter img =
                        NpyWriter.create(
                                dir.resolve("x_" + split + "_wr.npy"),
                                NpyDType.UINT8,
                                rows,
                                28,
                                28);
                NpyWriter aud =
                        NpyWriter.create(
                                dir.resolve("x_" + split + "_sp.npy"),
                                NpyDType.FLOAT32,
                                rows,
                                507)) {
            float[] a = new float[784];
            float[] b = new float[507];
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < 784; i++) {
                    a[i] = image(seed, split, r, i);
                }
                for (int i = 0; i < 507; i++) {
                    b[i] = audio(seed, split, r, i);
                }
                img.writeRow(a);
                aud.writeRow(b);
            }
        }
        if (labels) {
            int[] l = new int[rows];
            for (int r = 0; r < rows; r++) {
                l[r] = label(seed, split, r);
            }
            LabelsCsv.write(dir.resolve("y_" + split + ".csv"), LabelsCsv.sequentialIds(rows), l);
        }
    }

    /**
     * {@code SyntheticDataset DIR TRAIN_ROWS TEST_ROWS [SEED]}: writes a directory (test labels
     * included).
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: SyntheticDataset DIR TRAIN_ROWS TEST_ROWS [SEED]");
            System.exit(2);
        }
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 1;
        write(Path.of(args[0]), seed, Integer.parseInt(args[1]), Integer.parseInt(args[2]), true);
    }
}
