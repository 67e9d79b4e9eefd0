package mmdigits.localkafka;

import java.nio.file.Files;
import java.nio.file.Path;

/** The clone a test or tool runs in: the directory with {@code ./digits} and the modules. */
public final class Clone {
    private Clone() {}

    /** The nearest directory at or above the working directory that holds {@code ./digits}. */
    public static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("digits"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("not inside the multimodal-digits clone");
        }
        return p;
    }
}
