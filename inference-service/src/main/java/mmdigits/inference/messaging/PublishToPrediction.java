package mmdigits.inference.messaging;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code mmdigits_inference_publish_to_prediction_seconds{model,version,work}}: from a sample
 * record's timestamp (ingest's publish) to the commit of the transaction that made its prediction
 * visible to {@code read_committed} readers — what a user streaming samples waits. Fixed buckets
 * (10 ms … 10 min) keep the series few and let Prometheus take quantiles across replicas.
 */
final class PublishToPrediction {
    /** The two kinds of work of the scoring loop. */
    enum Work {
        /** samples streamed on their own, scored by the alias' model as they arrive */
        STREAM,
        /** a published test split, scored as a job by the versions the job book names */
        JOB
    }

    static final String NAME = "mmdigits.inference.publish.to.prediction";

    private static final Duration[] BUCKETS = {
        Duration.ofMillis(10),
        Duration.ofMillis(25),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofMillis(2500),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10),
        Duration.ofSeconds(30),
        Duration.ofMinutes(1),
        Duration.ofMinutes(2),
        Duration.ofMinutes(5),
        Duration.ofMinutes(10)
    };

    private final MeterRegistry meters;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    PublishToPrediction(MeterRegistry meters) {
        this.meters = meters;
    }

    /** Records the batch's samples as committed at {@code committedMs}. */
    void committed(StreamBatch batch, long committedMs) {
        for (StreamBatch.Published p : batch.published) {
            Timer timer = timer(p.work(), p.model(), p.version());
            for (long at : p.atMs()) {
                timer.record(Math.max(0, committedMs - at), TimeUnit.MILLISECONDS);
            }
        }
    }

    private Timer timer(Work work, String model, String version) {
        String w = work.name().toLowerCase(Locale.ROOT);
        return timers.computeIfAbsent(
                w + '|' + model + '|' + version,
                k ->
                        Timer.builder(NAME)
                                .description(
                                        "Time from a test sample's publish to the commit of its prediction")
                                .tag("work", w)
                                .tag("model", model)
                                .tag("version", version)
                                .serviceLevelObjectives(BUCKETS)
                                .register(meters));
    }
}
