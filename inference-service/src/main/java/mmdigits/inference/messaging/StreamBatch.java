package mmdigits.inference.messaging;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import mmdigits.inference.scoring.StreamScores;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What one iteration of the scoring loop produces, all of it committed in one transaction or none:
 * output records, the partitions whose job progress changed, counts, when the scored samples were
 * published (for the publish-to-prediction time, taken at the commit) and what each version did
 * (counted at the commit, {@link StreamOutcomes}).
 */
final class StreamBatch {
    final List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
    final Set<Integer> changed = new HashSet<>();
    final List<Published> published = new ArrayList<>();
    final List<Outcome> outcomes = new ArrayList<>();
    long scored;
    long scoredByJobs;

    /** Samples of one kind of work served by one model version, with their records' timestamps. */
    record Published(PublishToPrediction.Work work, String model, String version, long[] atMs) {}

    /**
     * What one version did with the samples of a call: {@code predictions} made (served or, when
     * {@code shadow}, as the alias' shadow); of streamed samples, {@code labeled} carried a label
     * and {@code correct} were predicted right (0 for jobs).
     */
    record Outcome(String version, boolean shadow, int predictions, int labeled, int correct) {}

    /**
     * Adds the outputs of a scoring call for samples published at {@code atMs} (one per sample, in
     * order).
     */
    void add(PublishToPrediction.Work work, StreamScores scores, long[] atMs) {
        boolean live = work == PublishToPrediction.Work.STREAM;
        for (StreamScores.Scored s : scores.served()) {
            out.addAll(s.records());
            published.add(new Published(work, s.name(), s.version(), at(atMs, s.rows())));
            outcomes.add(outcome(s, false, live));
        }
        if (scores.shadow() != null) {
            out.addAll(scores.shadow().records());
            outcomes.add(outcome(scores.shadow(), true, live));
        }
        this.scored += atMs.length;
        if (work == PublishToPrediction.Work.JOB) {
            scoredByJobs += atMs.length;
        }
    }

    private static Outcome outcome(StreamScores.Scored s, boolean shadow, boolean live) {
        return new Outcome(
                s.version(),
                shadow,
                s.rows().length,
                live ? s.labeled() : 0,
                live ? s.correct() : 0);
    }

    private static long[] at(long[] atMs, int[] rows) {
        long[] out = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = atMs[rows[i]];
        }
        return out;
    }
}
