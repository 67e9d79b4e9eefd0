package mmdigits.inference.scoring;

import java.util.ArrayList;
import java.util.List;
import mmdigits.common.Topics;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.Prediction;
import mmdigits.common.proto.Sample;
import mmdigits.inference.model.Scores;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The messages a scored sample leaves behind: one {@link Prediction} and one {@link Embedding},
 * both keyed by the sample id (the identity every consumer is idempotent on). A shadow leaves a
 * prediction only, marked {@code shadow} and naming the version that served the sample (the
 * embeddings are the served model's, for its t-SNE).
 */
public final class OutputRecords {
    private OutputRecords() {}

    /** A prediction and an embedding per sample, row i of the scores for sample i. */
    public static List<ProducerRecord<String, byte[]>> of(
            List<Sample> samples, Scores scores, long scoredAtMs) {
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>(2 * samples.size());
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            out.add(
                    new ProducerRecord<>(
                            Topics.PREDICTIONS,
                            s.getId(),
                            prediction(s, scores, i, scoredAtMs).toByteArray()));
            out.add(
                    new ProducerRecord<>(
                            Topics.EMBEDDINGS,
                            s.getId(),
                            embedding(s, scores, i, scoredAtMs).toByteArray()));
        }
        return out;
    }

    /** A shadow's prediction record per sample, row i of the scores for sample i. */
    public static List<ProducerRecord<String, byte[]>> shadow(
            List<Sample> samples, Scores scores, String servedVersion, long scoredAtMs) {
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            Prediction p =
                    prediction(s, scores, i, scoredAtMs).toBuilder()
                            .setShadow(true)
                            .setServedVersion(servedVersion)
                            .build();
            out.add(new ProducerRecord<>(Topics.PREDICTIONS, s.getId(), p.toByteArray()));
        }
        return out;
    }

    public static Prediction prediction(Sample s, Scores scores, int row, long scoredAtMs) {
        Prediction.Builder p =
                Prediction.newBuilder()
                        .setSampleId(s.getId())
                        .setDataset(s.getDataset())
                        .setRowId(s.getRowId())
                        .setLabel(scores.label(row))
                        .setModelVersion(scores.modelVersion())
                        .setScoredAtMs(scoredAtMs);
        for (float v : scores.probabilities(row)) {
            p.addProbabilities(v);
        }
        return p.build();
    }

    public static Embedding embedding(Sample s, Scores scores, int row, long scoredAtMs) {
        Embedding.Builder e =
                Embedding.newBuilder()
                        .setSampleId(s.getId())
                        .setDataset(s.getDataset())
                        .setRowId(s.getRowId())
                        .setPredictedLabel(scores.label(row))
                        .setModelVersion(scores.modelVersion())
                        .setScoredAtMs(scoredAtMs);
        if (s.hasLabel()) {
            e.setTrueLabel(s.getLabel());
        }
        for (float v : scores.embedding(row)) {
            e.addVector(v);
        }
        return e.build();
    }
}
