package mmdigits.viz.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.viz.BrowserTools;
import mmdigits.viz.FreshOutputDir;
import mmdigits.viz.VizFixtures;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The report page in a real headless browser (Debian chromium + playwright-core from
 * tools/browser): it loads, every plot renders, the interactive t-SNE view draws and answers
 * hovering, no console errors. Screenshot: target/report-page.png.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@QuarkusTestResource(FreshOutputDir.class)
class ReportPageIT {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @TestHTTPResource("/reports/page/page-v1/index.html")
    URL page;

    @Test
    void theReportRendersInABrowser() throws Exception {
        TopicAdmin.ensureTopics(bootstrap, Duration.ofSeconds(30));
        Random r = new Random(2);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        VizFixtures.training("page-run", "page-v1", "page", 3)
                .forEach(e -> records.add(VizFixtures.record(e)));
        for (int row = 0; row < 200; row++) {
            records.add(VizFixtures.record(VizFixtures.embedding("page", "page-v1", row, true, r)));
            if (VizFixtures.predicted(row) != row % 10) {
                records.add(VizFixtures.record(VizFixtures.sample("page", row)));
            }
        }
        records.add(VizFixtures.record(VizFixtures.published("page", 200)));
        VizFixtures.send(bootstrap, records);
        var list = ReportFlowTest.awaitReport("page", "page-v1", Duration.ofSeconds(120));
        assertThat(
                        list.getString(
                                "reports.find { it.dataset == 'page' && it.version == 'page-v1' }.state"))
                .isEqualTo("READY");

        Path tools = BrowserTools.dir();
        Path screenshot = Path.of("target/report-page.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        Process p =
                new ProcessBuilder(
                                "node",
                                "check-report-page.mjs",
                                page.toString(),
                                screenshot.toString())
                        .directory(tools.toFile())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        JsonNode res =
                new ObjectMapper().readTree(out.strip().lines().reduce((a, b) -> b).orElse("{}"));
        assertThat(res.get("problems")).as(out).isEmpty();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(res.get("title").asText()).isEqualTo("multimodal-digits report page-v1");
        assertThat(res.get("images")).hasSizeGreaterThanOrEqualTo(7);
        assertThat(res.get("canvasInk").asInt()).isGreaterThan(100);
        assertThat(res.get("tooltip").asText()).startsWith("row ");
        assertThat(res.get("metricsRows").asInt()).isGreaterThanOrEqualTo(7);
        assertThat(screenshot).isNotEmptyFile();
    }
}
