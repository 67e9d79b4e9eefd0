package mmdigits.viz.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.Sample;

/**
 * The first misclassified samples of a labelled split (up to viz.misclassified-shown), with their
 * image and MFCC read back, for the report's grid.
 */
final class MisclassifiedSamples {
    private final int shown;
    private final BiFunction<Set<String>, String, Map<String, Sample>> samples;

    /** {@code samples}: test samples by id, given the ids and their dataset. */
    MisclassifiedSamples(int shown, BiFunction<Set<String>, String, Map<String, Sample>> samples) {
        this.shown = shown;
        this.samples = samples;
    }

    /** None when the split has no true labels. */
    List<Plots.Miss> of(EmbeddingTable t) {
        if (!t.labelled()) {
            return new ArrayList<>();
        }
        Set<String> ids = firstIds(t);
        Map<String, Sample> found = samples.apply(ids, t.pair().dataset());
        List<Plots.Miss> misses = new ArrayList<>();
        for (int i = 0; i < t.n(); i++) {
            Embedding e = t.embeddings().get(i);
            if (ids.contains(e.getSampleId())) {
                misses.add(
                        new Plots.Miss(
                                e.getRowId(),
                                t.truth()[i],
                                t.predicted()[i],
                                found.get(e.getSampleId())));
            }
        }
        return misses;
    }

    /** The sample ids of the first misclassified rows, in row order. */
    private Set<String> firstIds(EmbeddingTable t) {
        Set<String> ids = new LinkedHashSet<>();
        for (int i = 0; i < t.n() && ids.size() < shown; i++) {
            if (t.truth()[i] != t.predicted()[i]) {
                ids.add(t.embeddings().get(i).getSampleId());
            }
        }
        return ids;
    }
}
