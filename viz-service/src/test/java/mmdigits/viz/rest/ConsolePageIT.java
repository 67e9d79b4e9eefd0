package mmdigits.viz.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.common.proto.Split;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.viz.BrowserTools;
import mmdigits.viz.FreshOutputDir;
import mmdigits.viz.VizFixtures;
import mmdigits.viz.console.ConsoleEvents;
import mmdigits.viz.console.StubServices;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The console in a real headless browser (Debian chromium + playwright-core from tools/browser),
 * live: it shows a run at epoch 1/3 and the alias on its first version; while the page stays open
 * the next epoch and a promotion are published, and the page shows epoch 2/3 and the new version by
 * itself. Without a token it offers no action; with one, the actions of its roles. Screenshot:
 * target/console-page.png.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@QuarkusTestResource(FreshOutputDir.class)
@QuarkusTestResource(StubServices.class)
class ConsolePageIT {
    static final String RUN = "page-run-1";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @TestHTTPResource("/console")
    URL page;

    @Test
    void theConsoleFollowsARunAndAPromotionLive() throws Exception {
        TopicAdmin.ensureTopics(bootstrap, Duration.ofSeconds(30));
        long now = System.currentTimeMillis();
        VizFixtures.send(
                bootstrap,
                List.of(
                        ConsoleEvents.published("live", Split.TRAIN, 300, "live-train-1", now),
                        ConsoleEvents.published("live", Split.TEST, 100, "live-test-1", now),
                        ConsoleEvents.released("page-run-0", "live-v1", "live", 0.9, now),
                        ConsoleEvents.promotion("live", "live-v1", null, null),
                        ConsoleEvents.queued(RUN, "live", 3, now),
                        ConsoleEvents.started(RUN, now),
                        ConsoleEvents.progress(RUN, 1, 3)));

        Path screenshot = Path.of("target/console-page.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        Process p =
                new ProcessBuilder(
                                "node",
                                "check-console-page.mjs",
                                page.toString(),
                                RUN,
                                KafkaBrokerTestResource.token("admin", "train"),
                                screenshot.toString())
                        .directory(BrowserTools.dir().toFile())
                        .redirectErrorStream(true)
                        .start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                lines.add(line);
                if (line.equals("READY")) {
                    // the page is open and shows epoch 1/3 and live-v1: the run goes on, the
                    // alias moves
                    VizFixtures.send(
                            bootstrap,
                            List.of(
                                    ConsoleEvents.progress(RUN, 2, 3),
                                    ConsoleEvents.released(
                                            "page-run-2", "live-v2", "live", 0.95, now),
                                    ConsoleEvents.promotion("live", "live-v2", "live", "live-v1")));
                }
            }
        }
        assertThat(p.waitFor(150, TimeUnit.SECONDS)).isTrue();
        String all = String.join("\n", lines);
        JsonNode r =
                new ObjectMapper().readTree(lines.isEmpty() ? "{}" : lines.get(lines.size() - 1));
        assertThat(r.get("problems")).as(all).isEmpty();
        assertThat(p.exitValue()).as(all).isZero();
        assertThat(r.get("title").asText()).isEqualTo("multimodal-digits console");
        assertThat(r.at("/before/progress").asText()).isEqualTo("epoch 1/3");
        assertThat(r.at("/before/bar").asInt()).isEqualTo(1);
        assertThat(r.at("/before/alias").asText()).isEqualTo("live/live-v1");
        assertThat(r.at("/after/progress").asText()).isEqualTo("epoch 2/3");
        assertThat(r.at("/after/bar").asInt()).isEqualTo(2);
        assertThat(r.at("/after/alias").asText()).isEqualTo("live/live-v2");
        assertThat(r.get("history").asInt()).isEqualTo(2);
        // read-only without a token; with one, what its roles allow
        assertThat(r.get("actionsWithoutToken").asInt()).isZero();
        assertThat(r.get("who").asText()).startsWith("read-only");
        assertThat(r.get("signedIn").asText()).isEqualTo("signed in as test, roles: admin, train");
        List<String> offered = new ArrayList<>();
        r.get("actionsWithToken").forEach(a -> offered.add(a.asText()));
        assertThat(offered).contains("rollback", "promote", "train", "score");
        assertThat(screenshot).isNotEmptyFile();
    }
}
