package mmdigits.common.seed;

import java.nio.file.Path;
import mmdigits.common.proto.Split;

/** The file names of the original project's data directory. */
public final class SeedFiles {
    public static final String TRAIN_IMAGES = "x_train_wr.npy";
    public static final String TRAIN_AUDIO = "x_train_sp.npy";
    public static final String TRAIN_LABELS = "y_train.csv";
    public static final String TEST_IMAGES = "x_test_wr.npy";
    public static final String TEST_AUDIO = "x_test_sp.npy";

    /** Not in the original set: optional test labels, for evaluation (the demo data has it). */
    public static final String TEST_LABELS = "y_test.csv";

    private SeedFiles() {}

    public static String images(Split split) {
        return split == Split.TRAIN ? TRAIN_IMAGES : TEST_IMAGES;
    }

    public static String audio(Split split) {
        return split == Split.TRAIN ? TRAIN_AUDIO : TEST_AUDIO;
    }

    public static String labels(Split split) {
        return split == Split.TRAIN ? TRAIN_LABELS : TEST_LABELS;
    }

    /** Whether {@code dir} holds any file of this split. */
    public static boolean hasAny(Path dir, Split split) {
        return dir.resolve(images(split)).toFile().exists()
                || dir.resolve(audio(split)).toFile().exists()
                || (split == Split.TRAIN && dir.resolve(labels(split)).toFile().exists());
    }
}
