package mmdigits.inference.messaging;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import mmdigits.inference.scoring.Scorer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What one iteration of the scoring loop produces, all of it committed in one transaction or none:
 * output records, the partitions whose job progress changed, counts, and when the scored samples
 * were published (for the publish-to-prediction time, taken at the commit).
 */
final class StreamBatch {
    final List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
    final Set<Integer> changed = new HashSet<>();
    final List<Published> published = new ArrayList<>();
    long scored;
    long scoredByJobs;

    /** Samples of one kind of work scored by one model version, with their records' timestamps. */
    record Published(PublishToPrediction.Work work, String model, String version, long[] atMs) {}

    /** Adds a model's outputs for samples published at {@code atMs} (one per sample, in order). */
    void add(PublishToPrediction.Work work, Scorer.Scored scored, long[] atMs) {
        out.addAll(scored.records());
        published.add(new Published(work, scored.name(), scored.version(), atMs));
        this.scored += atMs.length;
        if (work == PublishToPrediction.Work.JOB) {
            scoredByJobs += atMs.length;
        }
    }
}
