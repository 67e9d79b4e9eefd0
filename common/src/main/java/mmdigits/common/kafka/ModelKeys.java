package mmdigits.common.kafka;

/**
 * Keys of {@code digits.models}: {@code <name>/<version>}, one record (or tombstone) per version.
 */
public final class ModelKeys {
    private ModelKeys() {}

    public static String of(String name, String version) {
        return name + "/" + version;
    }

    /** The model name of a key; null when the key has no '/' (a release of an older format). */
    public static String name(String key) {
        int slash = key == null ? -1 : key.lastIndexOf('/');
        return slash <= 0 ? null : key.substring(0, slash);
    }

    /** The version of a key; null when the key has no '/'. */
    public static String version(String key) {
        int slash = key == null ? -1 : key.lastIndexOf('/');
        return slash <= 0 ? null : key.substring(slash + 1);
    }
}
