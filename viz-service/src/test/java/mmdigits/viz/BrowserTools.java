package mmdigits.viz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the page checks are: tools/browser of this checkout, with playwright-core installed. */
public final class BrowserTools {
    private BrowserTools() {}

    public static Path dir() {
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (root != null && !Files.isDirectory(root.resolve("tools/browser"))) {
            root = root.getParent();
        }
        assertThat(root).as("tools/browser above " + System.getProperty("user.dir")).isNotNull();
        Path tools = root.resolve("tools/browser");
        assertThat(tools.resolve("node_modules/playwright-core"))
                .as("playwright-core is missing: run ./digits deps all")
                .isDirectory();
        return tools;
    }
}
