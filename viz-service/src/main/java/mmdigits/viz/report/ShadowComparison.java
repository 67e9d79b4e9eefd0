package mmdigits.viz.report;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.Prediction;
import mmdigits.common.sample.Dimensions;

/**
 * Each shadow version against the served one, on the samples of the report's table that the shadow
 * scored: agreement of the predicted labels, accuracy of both where the true label is known, and
 * the disagreements by (served label, shadow label).
 */
final class ShadowComparison {
    private ShadowComparison() {}

    /** One comparison per shadow version among the predictions, by version. */
    static List<Report.Shadow> of(EmbeddingTable t, List<Prediction> shadows) {
        Map<String, Integer> rowOf = new HashMap<>();
        for (int i = 0; i < t.n(); i++) {
            rowOf.put(t.embeddings().get(i).getSampleId(), i);
        }
        Map<String, List<Prediction>> byVersion = new TreeMap<>();
        for (Prediction p : shadows) {
            if (rowOf.containsKey(p.getSampleId())) {
                byVersion.computeIfAbsent(p.getModelVersion(), v -> new ArrayList<>()).add(p);
            }
        }
        List<Report.Shadow> out = new ArrayList<>();
        byVersion.forEach((version, ps) -> out.add(compare(t, rowOf, version, ps)));
        return out;
    }

    private static Report.Shadow compare(
            EmbeddingTable t, Map<String, Integer> rowOf, String version, List<Prediction> ps) {
        long[][] disagreements = new long[Dimensions.CLASSES][Dimensions.CLASSES];
        int agreed = 0;
        int labelled = 0;
        int servedRight = 0;
        int shadowRight = 0;
        for (Prediction p : ps) {
            int row = rowOf.get(p.getSampleId());
            int served = t.predicted()[row];
            int shadow = p.getLabel();
            if (served == shadow) {
                agreed++;
            } else {
                disagreements[served][shadow]++;
            }
            int truth = t.truth()[row];
            if (truth >= 0) {
                labelled++;
                servedRight += served == truth ? 1 : 0;
                shadowRight += shadow == truth ? 1 : 0;
            }
        }
        Embedding any = t.embeddings().get(0);
        return new Report.Shadow(
                version,
                any.getModelVersion(),
                ps.size(),
                agreed,
                (double) agreed / ps.size(),
                labelled,
                labelled == 0 ? null : (double) servedRight / labelled,
                labelled == 0 ? null : (double) shadowRight / labelled,
                disagreements);
    }
}
