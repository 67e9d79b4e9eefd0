package mmdigits.inference.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import mmdigits.inference.Releases;
import mmdigits.localkafka.KafkaBrokerTestResource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The web page in a real headless browser (Debian chromium driven by playwright-core, installed by
 * {@code ./digits deps all}): draw a stroke, predict from the image, record from a fake microphone,
 * predict from both; no console errors. Screenshot: target/web-page.png.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class WebPageIT {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @TestHTTPResource("/")
    URL page;

    /** tools/browser of this checkout, with playwright-core installed. */
    static Path browserTools() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("tools/browser"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("tools/browser above " + System.getProperty("user.dir")).isNotNull();
        Path tools = dir.resolve("tools/browser");
        assertThat(tools.resolve("node_modules/playwright-core"))
                .as("playwright-core is missing: run ./digits deps all")
                .isDirectory();
        assertThat(Path.of("/usr/bin/chromium"))
                .as("chromium is missing: run ./digits deps all (apt-get install chromium)")
                .exists();
        return tools;
    }

    @Test
    void drawRecordPredictWithoutConsoleErrors() throws Exception {
        String version = Releases.ensureLoaded(bootstrap);
        Path tools = browserTools();
        Path screenshot = Path.of("target/web-page.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        Process p =
                new ProcessBuilder(
                                "node",
                                "check-inference-page.mjs",
                                page.toString(),
                                screenshot.toString())
                        .directory(tools.toFile())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String last = out.strip().lines().reduce((a, b) -> b).orElse("");
        JsonNode r = new ObjectMapper().readTree(last);
        assertThat(r.get("problems")).as(out).isEmpty();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(r.get("status").asText()).contains(version);
        assertThat(r.get("inkPixels").asInt()).isGreaterThan(1000);
        assertThat(r.get("imageOnly").get("digit").asText()).matches("[0-9]");
        assertThat(r.get("imageOnly").get("modalities").asText())
                .startsWith("used: image · model " + version);
        assertThat(r.get("imageOnly").get("note").asText()).startsWith("audio missing");
        assertThat(r.get("imageOnly").get("bars").asInt()).isEqualTo(10);
        assertThat(r.get("audioState").asText()).startsWith("recorded 1.");
        assertThat(r.get("both").get("modalities").asText()).startsWith("used: image + audio");
        assertThat(r.get("both").get("digit").asText()).matches("[0-9]");
        assertThat(screenshot).isNotEmptyFile();
    }
}
