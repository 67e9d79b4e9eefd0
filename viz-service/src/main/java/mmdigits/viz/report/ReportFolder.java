package mmdigits.viz.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;

/**
 * A report folder is written to a temporary folder beside its place and moved into place at the
 * end, so that a folder is complete or absent.
 */
final class ReportFolder {
    private ReportFolder() {}

    static Path temporaryBeside(Path target) throws IOException {
        return Files.createDirectories(
                target.resolveSibling(target.getFileName() + ".tmp-" + System.nanoTime()));
    }

    /** Replaces an earlier report of the pair, if any. */
    static void moveIntoPlace(Path tmp, Path target) throws IOException {
        if (Files.exists(target)) {
            deleteTree(target);
        }
        Files.createDirectories(target.getParent());
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
