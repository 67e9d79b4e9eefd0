package mmdigits.viz;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Each test run writes its reports (and their index) into a new directory below target/, so no
 * earlier run's index is read.
 */
public class FreshOutputDir implements QuarkusTestResourceLifecycleManager {
    @Override
    public Map<String, String> start() {
        try {
            Files.createDirectories(Path.of("target"));
            return Map.of(
                    "viz.output-dir",
                    Files.createTempDirectory(Path.of("target"), "test-reports-")
                            .toAbsolutePath()
                            .toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        // left for a look after the run; target/ is cleaned by the build
    }
}
