package mmdigits.viz.drift;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import mmdigits.common.proto.Embedding;
import mmdigits.viz.config.VizConfig;

/**
 * A report's drift section: the MMD² of the reported test split's embeddings (a seeded sample of at
 * most a window's size) against the version's training reference, beside the live stream's measures
 * at build time and the thresholds. Null values: not measurable (no live window yet).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReportDrift(
        double splitMmd,
        Double splitMmdImage,
        Double splitMmdAudio,
        int splitSample,
        int referenceSample,
        double bandwidth,
        Double liveMmd,
        Double liveMmdImage,
        Double liveMmdAudio,
        Double liveImageShift,
        Double liveAudioShift,
        int liveWindow,
        double mmdThreshold,
        double inputShiftThreshold) {

    private static final long SEED = 42;

    /** Null when the version has no reference (an older release) or too few embeddings. */
    public static ReportDrift of(
            DriftMonitor monitor, VizConfig.Drift config, String version, List<Embedding> split) {
        Reference ref = monitor.reference(version).orElse(null);
        if (ref == null) {
            return null;
        }
        List<float[]> rows = sample(split, ref.dim(), config.window());
        if (rows.size() < 2) {
            return null;
        }
        Map<String, Double> splitMmd = new HashMap<>();
        for (Reference.Part part : ref.parts()) {
            splitMmd.put(part.name(), DriftMonitor.mmd(part, rows));
        }
        DriftMonitor.Values live = monitor.values(version).orElse(null);
        return new ReportDrift(
                splitMmd.get(Reference.ALL),
                splitMmd.get("image"),
                splitMmd.get("audio"),
                rows.size(),
                ref.parts().get(0).embeddings().length,
                ref.parts().get(0).bandwidth(),
                live == null ? null : finite(live.mmd()),
                live == null ? null : finite(live.mmd("image")),
                live == null ? null : finite(live.mmd("audio")),
                live == null ? null : finite(live.imageShift()),
                live == null ? null : finite(live.audioShift()),
                live == null ? 0 : live.embeddings(),
                config.mmdThreshold(),
                config.inputShiftThreshold());
    }

    /** Whether the test split's embeddings (whole, or a branch's) are past the threshold. */
    public boolean splitDrifted() {
        return splitMmd > mmdThreshold
                || splitMmdImage != null && splitMmdImage > mmdThreshold
                || splitMmdAudio != null && splitMmdAudio > mmdThreshold;
    }

    private static List<float[]> sample(List<Embedding> split, int dim, int max) {
        List<float[]> rows = new ArrayList<>();
        for (Embedding e : split) {
            if (e.getVectorCount() == dim) {
                float[] v = new float[dim];
                for (int j = 0; j < dim; j++) {
                    v[j] = e.getVector(j);
                }
                rows.add(v);
            }
        }
        Collections.shuffle(rows, new Random(SEED));
        return rows.subList(0, Math.min(max, rows.size()));
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
