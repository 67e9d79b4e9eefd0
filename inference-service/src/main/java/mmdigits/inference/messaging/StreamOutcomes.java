package mmdigits.inference.messaging;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the test stream's versions did, counted once their transaction committed (an aborted
 * transaction is scored again, and counted then):
 *
 * <ul>
 *   <li>{@code mmdigits_inference_shadow_predictions_total{version}}: predictions of the alias'
 *       shadow (streamed samples and the target's jobs);
 *   <li>{@code mmdigits_inference_stream_labeled_total{version}} and {@code
 *       mmdigits_inference_stream_correct_total{version}}: streamed samples that carried a label,
 *       and of them those the version predicted right (the target, its canary, its shadow) — their
 *       ratio is the version's accuracy on the live stream.
 * </ul>
 */
final class StreamOutcomes {
    static final String SHADOW = "mmdigits.inference.shadow.predictions";
    static final String LABELED = "mmdigits.inference.stream.labeled";
    static final String CORRECT = "mmdigits.inference.stream.correct";

    private final MeterRegistry meters;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    StreamOutcomes(MeterRegistry meters) {
        this.meters = meters;
    }

    /** Counts the batch's outcomes: its transaction committed. */
    void committed(StreamBatch batch) {
        for (StreamBatch.Outcome o : batch.outcomes) {
            if (o.shadow()) {
                counter(SHADOW, "Predictions of the alias' shadow", o.version())
                        .increment(o.predictions());
            }
            if (o.labeled() > 0) {
                counter(
                                LABELED,
                                "Streamed samples with a label, by the version that scored them",
                                o.version())
                        .increment(o.labeled());
                counter(
                                CORRECT,
                                "Streamed samples with a label predicted right, by version",
                                o.version())
                        .increment(o.correct());
            }
        }
    }

    private Counter counter(String name, String description, String version) {
        return counters.computeIfAbsent(
                name + '|' + version,
                k ->
                        Counter.builder(name)
                                .description(description)
                                .tag("version", version)
                                .register(meters));
    }
}
