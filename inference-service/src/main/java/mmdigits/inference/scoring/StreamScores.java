package mmdigits.inference.scoring;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What one scoring call of the test stream produced: the served outputs, one {@link Scored} per
 * version that answered (the alias' target, and its canary for the streamed samples in the canary's
 * buckets), and the shadow's predictions of the same samples (null without a loaded shadow, or when
 * the call was not the alias' target's).
 */
public record StreamScores(List<Scored> served, Scored shadow) {

    /**
     * The outputs of one version for some of the call's samples: {@code rows} are their indexes in
     * the call; of them, {@code labeled} carried a label and {@code correct} were predicted right.
     */
    public record Scored(
            String name,
            String version,
            List<ProducerRecord<String, byte[]>> records,
            int[] rows,
            int labeled,
            int correct) {}

    /** Served outputs of one version, no shadow. */
    public static StreamScores of(Scored served) {
        return new StreamScores(List.of(served), null);
    }

    /** Every output record: the served ones, then the shadow's. */
    public List<ProducerRecord<String, byte[]>> records() {
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        served.forEach(s -> out.addAll(s.records()));
        if (shadow != null) {
            out.addAll(shadow.records());
        }
        return out;
    }
}
