package mmdigits.common.seed;

/**
 * A seed file (NPY or CSV) that cannot be used; the message starts with the file name and says why.
 */
public class SeedFileException extends Exception {
    private final String file;

    public SeedFileException(String file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public SeedFileException(String file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file's name (not its full path). */
    public String file() {
        return file;
    }
}
