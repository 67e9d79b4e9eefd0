package mmdigits.viz.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import mmdigits.common.proto.Embedding;
import mmdigits.viz.Aggregates;

/**
 * The embeddings of a (dataset, version) pair, by row id, as arrays; {@code truth} is -1 where a
 * label is unknown.
 */
record EmbeddingTable(
        Aggregates.Pair pair,
        List<Embedding> embeddings,
        double[][] x,
        int[] predicted,
        int[] truth,
        boolean labelled) {

    /** Fewer points than this give no meaningful map, clusters or neighbours. */
    static final int MIN_SAMPLES = 4;

    /** The pair's embeddings of its dataset, by row id, of one width. */
    static EmbeddingTable of(Aggregates.Snapshot snap) {
        List<Embedding> es = ofOneWidth(byRowId(snap));
        if (es.size() < MIN_SAMPLES) {
            throw new IllegalStateException(
                    "version "
                            + snap.pair().version()
                            + " has "
                            + es.size()
                            + " embeddings of dataset '"
                            + snap.pair().dataset()
                            + "'; a report needs at least "
                            + MIN_SAMPLES);
        }
        return fromEmbeddings(snap.pair(), es);
    }

    /** The snapshot's embeddings of the pair's dataset, sorted by row id. */
    private static List<Embedding> byRowId(Aggregates.Snapshot snap) {
        List<Embedding> es =
                new ArrayList<>(
                        snap.embeddings().stream()
                                .filter(e -> e.getDataset().equals(snap.pair().dataset()))
                                .toList());
        es.sort(Comparator.comparingLong(Embedding::getRowId));
        return es;
    }

    /** Those of the first one's width (a vector of another width cannot be placed beside it). */
    private static List<Embedding> ofOneWidth(List<Embedding> es) {
        int dim = es.isEmpty() ? 0 : es.get(0).getVectorCount();
        es.removeIf(e -> e.getVectorCount() != dim);
        return es;
    }

    private static EmbeddingTable fromEmbeddings(Aggregates.Pair pair, List<Embedding> es) {
        int n = es.size();
        int dim = es.get(0).getVectorCount();
        double[][] x = new double[n][dim];
        int[] predicted = new int[n];
        int[] truth = new int[n];
        boolean labelled = true;
        for (int i = 0; i < n; i++) {
            Embedding e = es.get(i);
            for (int j = 0; j < dim; j++) {
                x[i][j] = e.getVector(j);
            }
            predicted[i] = e.getPredictedLabel();
            truth[i] = e.hasTrueLabel() ? e.getTrueLabel() : -1;
            labelled &= e.hasTrueLabel();
        }
        return new EmbeddingTable(pair, es, x, predicted, truth, labelled);
    }

    int n() {
        return x.length;
    }

    int dim() {
        return x[0].length;
    }

    /** What clusters are compared with: the true labels where known, else the predictions. */
    int[] reference() {
        return labelled ? truth : predicted;
    }

    /** "true" or "predicted": which labels {@link #reference()} holds, for titles. */
    String referenceName() {
        return labelled ? "true" : "predicted";
    }
}
