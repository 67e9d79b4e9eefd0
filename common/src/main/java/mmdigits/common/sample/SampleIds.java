package mmdigits.common.sample;

import java.util.Locale;
import java.util.regex.Pattern;
import mmdigits.common.proto.Split;

/** Stable sample ids: {@code <dataset>/<split>/<row_id>}, e.g. {@code demo/test/42}. */
public final class SampleIds {
    /**
     * A dataset (and model) name: 1-100 letters, digits, '.', '_' or '-', starting with a letter or
     * digit.
     */
    public static final String NAME_REGEX = "[A-Za-z0-9][A-Za-z0-9._-]{0,99}";

    public static final String NAME_RULE =
            "must be 1-100 characters of letters, digits, '.', '_' or '-'";
    private static final Pattern DATASET = Pattern.compile(NAME_REGEX);

    private SampleIds() {}

    public static String of(String dataset, Split split, long rowId) {
        return dataset + "/" + splitName(split) + "/" + rowId;
    }

    /** "train" / "test", as used in ids, CLI options and URLs. */
    public static String splitName(Split split) {
        return switch (split) {
            case TRAIN -> "train";
            case TEST -> "test";
            default ->
                    throw new IllegalArgumentException("split must be train or test, got " + split);
        };
    }

    public static Split parseSplit(String name) {
        if (name == null) {
            throw new IllegalArgumentException("split is missing (train or test)");
        }
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "train" -> Split.TRAIN;
            case "test" -> Split.TEST;
            default ->
                    throw new IllegalArgumentException(
                            "split must be train or test, got '" + name + "'");
        };
    }

    public static boolean isValidDataset(String dataset) {
        return dataset != null && DATASET.matcher(dataset).matches();
    }

    /** Turns a directory name into a dataset name: letters, digits, '.', '_' and '-' only. */
    public static String datasetFromName(String name) {
        String cleaned =
                name == null
                        ? ""
                        : name.replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^[^A-Za-z0-9]+", "");
        if (cleaned.isEmpty()) {
            return "dataset";
        }
        return cleaned.length() > 100 ? cleaned.substring(0, 100) : cleaned;
    }
}
