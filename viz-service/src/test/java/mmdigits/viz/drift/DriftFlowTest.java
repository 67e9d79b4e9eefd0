package mmdigits.viz.drift;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import mmdigits.common.Topics;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.proto.Sample;
import mmdigits.common.security.ReleaseSignatures;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.Scrape;
import mmdigits.viz.FreshOutputDir;
import mmdigits.viz.VizFixtures;
import mmdigits.viz.console.ConsoleEvents;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Through the real broker: a signed release with a drift reference on digits.models, then a quiet
 * stream (fresh samples of the training distribution) and a shifted one (the same with a noisier
 * audio channel, {@link DriftStream}) on digits.samples.test with their embeddings on
 * digits.embeddings. The gauges the alert rules read stay below their thresholds on the first and
 * go above them on the second (ModelEmbeddingDrift, ModelInputDrift: alerts-test.yml).
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@QuarkusTestResource(FreshOutputDir.class)
@Order(Order.DEFAULT + 1) // after the others of its group: its pending pair is counted by none
class DriftFlowTest {
    static final int WINDOW = 500;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject DriftMonitor monitor;

    private final DriftStream stream = new DriftStream(11);

    @Test
    void firesOnANoisierAudioChannelAndStaysQuietOnTheTestDistribution() throws Exception {
        String version = "drift-" + System.currentTimeMillis();
        ModelRelease release =
                ModelRelease.newBuilder()
                        .setName("drift")
                        .setVersion(version)
                        .setDataset("drift")
                        .setReleaseSequence(System.currentTimeMillis())
                        .setDriftReference(stream.reference(2000, 500, 5))
                        .build();
        VizFixtures.send(
                bootstrap, List.of(ReleaseSignatures.record(release, ConsoleEvents.releaseKey())));

        Scrape quiet = streamed(version, 0, 100, 0);
        assertBelowThresholds(quiet, version);
        Scrape shifted = streamed(version, WINDOW, 200, DriftMonitorTest.SHIFTED_AUDIO_NOISE);
        System.out.printf(
                "drift over the broker: quiet MMD² all/image/audio %.5f/%.5f/%.5f, shift image %.3f"
                        + " audio %.3f; shifted MMD² %.5f/%.5f/%.5f, shift image %.3f audio %.3f%n",
                mmd(quiet, version, "all"),
                mmd(quiet, version, "image"),
                mmd(quiet, version, "audio"),
                shift(quiet, version, "image"),
                shift(quiet, version, "audio"),
                mmd(shifted, version, "all"),
                mmd(shifted, version, "image"),
                mmd(shifted, version, "audio"),
                shift(shifted, version, "image"),
                shift(shifted, version, "audio"));
        double threshold = shifted.sum("mmdigits_viz_drift_mmd_threshold");
        assertThat(mmd(shifted, version, "audio")).isGreaterThan(2 * threshold);
        assertThat(mmd(shifted, version, "image")).isLessThan(threshold / 2);
        assertThat(shift(shifted, version, "audio"))
                .isGreaterThan(shifted.sum("mmdigits_viz_drift_input_shift_threshold"));
        assertThat(shift(shifted, version, "image"))
                .isLessThan(shifted.sum("mmdigits_viz_drift_input_shift_threshold"));
        shifted.assertDocumented();
    }

    private static void assertBelowThresholds(Scrape s, String version) {
        assertThat(s.sum("mmdigits_viz_drift_window_samples", "version=" + version))
                .isEqualTo(WINDOW);
        for (String part : List.of("all", "image", "audio")) {
            assertThat(mmd(s, version, part))
                    .as(part)
                    .isLessThan(s.sum("mmdigits_viz_drift_mmd_threshold") / 2);
        }
        double threshold = s.sum("mmdigits_viz_drift_input_shift_threshold");
        assertThat(shift(s, version, "image")).isLessThan(threshold / 2);
        assertThat(shift(s, version, "audio")).isLessThan(threshold / 2);
    }

    /** A window's worth of samples and their embeddings, then the metrics once both are read. */
    private Scrape streamed(String version, int firstRow, long seed, double noise)
            throws Exception {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int row = firstRow; row < firstRow + WINDOW; row++) {
            Sample s = DriftStream.sample("drift", row, seed, noise);
            ids.add(s.getId());
            records.add(new ProducerRecord<>(Topics.SAMPLES_TEST, s.getId(), s.toByteArray()));
            records.add(VizFixtures.record(stream.embedding(s, version)));
        }
        VizFixtures.send(bootstrap, records);
        awaitRead(version, ids, Duration.ofSeconds(60));
        return Scrape.now();
    }

    /** Until every sample and its embedding are in the monitor's windows (any partition order). */
    private void awaitRead(String version, List<String> ids, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ids.stream()
                .allMatch(id -> monitor.hasInput(id) && monitor.hasEmbedding(version, id))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the drift monitor did not read all of " + ids.size());
            }
            Thread.sleep(100);
        }
    }

    private static double mmd(Scrape s, String version, String part) {
        return s.sum("mmdigits_viz_drift_mmd", "version=" + version, "part=" + part);
    }

    private static double shift(Scrape s, String version, String modality) {
        return s.sum(
                "mmdigits_viz_drift_input_shift", "version=" + version, "modality=" + modality);
    }
}
