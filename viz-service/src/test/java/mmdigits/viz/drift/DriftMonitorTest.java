package mmdigits.viz.drift;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.proto.Sample;
import mmdigits.viz.config.VizConfig;
import org.junit.jupiter.api.Test;

/**
 * The monitor on the synthetic stream of {@link DriftStream}: quiet on fresh samples of the
 * training distribution, past both default thresholds when the MFCC gets a noisier channel. The
 * printed values are docs/drift.md's synthetic measurements.
 */
class DriftMonitorTest {
    static final double MMD_THRESHOLD = 0.01;
    static final double SHIFT_THRESHOLD = 0.1;
    static final double SHIFTED_AUDIO_NOISE = 6;

    static final VizConfig.Drift CONFIG =
            new VizConfig.Drift() {
                @Override
                public int window() {
                    return 500;
                }

                @Override
                public int minSamples() {
                    return 100;
                }

                @Override
                public double mmdThreshold() {
                    return MMD_THRESHOLD;
                }

                @Override
                public double inputShiftThreshold() {
                    return SHIFT_THRESHOLD;
                }
            };

    private final DriftStream stream = new DriftStream(11);

    private DriftMonitor monitor(String version) {
        DriftMonitor m = new DriftMonitor(CONFIG);
        m.onRelease(
                "digits/" + version,
                ModelRelease.newBuilder()
                        .setName("digits")
                        .setVersion(version)
                        .setDriftReference(stream.reference(2000, 500, 5))
                        .build());
        return m;
    }

    private DriftMonitor.Values feed(DriftMonitor m, String version, long seed, double noise) {
        for (int row = 0; row < 500; row++) {
            Sample s = DriftStream.sample("live", row, seed, noise);
            m.onSample(s);
            m.onEmbedding(stream.embedding(s, version));
        }
        return m.values(version).orElseThrow();
    }

    @Test
    void quietOnTheTrainingDistributionAndFiringOnANoisierChannel() {
        DriftMonitor m = monitor("v1");
        DriftMonitor.Values quiet = feed(m, "v1", 100, 0);
        DriftMonitor.Values shifted = feed(m, "v1", 200, SHIFTED_AUDIO_NOISE);
        System.out.printf("drift, synthetic: quiet %s%n  shifted %s%n", quiet, shifted);
        assertThat(quiet.embeddings()).isEqualTo(500);
        assertThat(quiet.inputs()).isEqualTo(500);
        for (String part : List.of("all", "image", "audio")) {
            assertThat(quiet.mmd(part)).as(part).isLessThan(MMD_THRESHOLD / 2);
        }
        assertThat(quiet.imageShift()).isLessThan(SHIFT_THRESHOLD / 2);
        assertThat(quiet.audioShift()).isLessThan(SHIFT_THRESHOLD / 2);
        assertThat(shifted.mmd("audio")).isGreaterThan(MMD_THRESHOLD * 2);
        assertThat(shifted.mmd()).isGreaterThan(MMD_THRESHOLD);
        assertThat(shifted.mmd("image"))
                .as("the image did not change")
                .isLessThan(MMD_THRESHOLD / 2);
        assertThat(shifted.audioShift()).isGreaterThan(SHIFT_THRESHOLD);
        assertThat(shifted.imageShift())
                .as("the image did not change")
                .isLessThan(SHIFT_THRESHOLD / 2);
    }

    @Test
    void theReportMeasuresItsTestSplitAgainstTheReference() {
        DriftMonitor m = monitor("v1");
        List<Embedding> quiet = new ArrayList<>();
        List<Embedding> shifted = new ArrayList<>();
        for (int row = 0; row < 600; row++) {
            quiet.add(stream.embedding(DriftStream.sample("split", row, 300, 0), "v1"));
            shifted.add(
                    stream.embedding(
                            DriftStream.sample("split", row, 300, SHIFTED_AUDIO_NOISE), "v1"));
        }
        ReportDrift q = ReportDrift.of(m, CONFIG, "v1", quiet);
        ReportDrift s = ReportDrift.of(m, CONFIG, "v1", shifted);
        assertThat(q.splitSample()).as("at most a window's worth").isEqualTo(500);
        assertThat(q.referenceSample()).isEqualTo(500);
        assertThat(q.splitMmd()).isLessThan(MMD_THRESHOLD / 2);
        assertThat(q.splitDrifted()).isFalse();
        assertThat(s.splitMmdAudio()).isGreaterThan(MMD_THRESHOLD * 2);
        assertThat(s.splitDrifted()).isTrue();
        assertThat(q.liveMmd()).as("no live window yet").isNull();
        assertThat(ReportDrift.of(m, CONFIG, "v2", quiet)).as("no reference").isNull();
    }

    @Test
    void noVerdictBelowTheMinimumWindowNorWithoutAReference() {
        DriftMonitor m = monitor("v1");
        for (int row = 0; row < 99; row++) {
            Sample s = DriftStream.sample("live", row, 100, 0);
            m.onSample(s);
            m.onEmbedding(stream.embedding(s, "v1"));
        }
        DriftMonitor.Values v = m.values("v1").orElseThrow();
        assertThat(v.mmd()).isNaN();
        assertThat(v.audioShift()).isNaN();
        m.onEmbedding(stream.embedding(DriftStream.sample("live", 0, 100, 0), "v2"));
        assertThat(m.values("v2")).isEmpty();
        assertThat(m.versions()).containsExactly("v1");
        m.onRelease("digits/v1", null);
        assertThat(m.values("v1")).isEmpty();
    }

    @Test
    void aRedeliveredSampleReplacesItsValueInTheWindow() {
        DriftMonitor m = monitor("v1");
        Sample s = DriftStream.sample("live", 1, 100, 0);
        m.onEmbedding(stream.embedding(s, "v1"));
        m.onEmbedding(stream.embedding(s, "v1"));
        m.onSample(s);
        m.onSample(s);
        assertThat(m.values("v1").orElseThrow().embeddings()).isEqualTo(1);
        assertThat(m.values("v1").orElseThrow().inputs()).isEqualTo(1);
        assertThat(m.hasInput(s.getId())).isTrue();
    }
}
