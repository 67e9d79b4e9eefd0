package mmdigits.trainer.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import mmdigits.trainer.TrainingRun;
import mmdigits.trainer.training.FusionTrainer;

/**
 * What a training can be watched by, registered at start: runs by state (every replica's, from the
 * events), runs this replica finished by end state, the running run's epoch of its planned epochs
 * (0 of 0 when idle), seconds and samples/s per epoch, releases (promoted or not) and the
 * validation accuracy of each model name's latest release, tagged with its dataset and name (one
 * series per model name).
 */
@Startup
@ApplicationScoped
public class TrainerMetrics {
    private static final List<String> END_STATES =
            List.of(TrainingRun.RELEASED, TrainingRun.FAILED, TrainingRun.CANCELLED);
    private static final List<String> STATES =
            List.of(
                    TrainingRun.QUEUED,
                    TrainingRun.LOADING,
                    TrainingRun.TRAINING,
                    TrainingRun.EXPORTING,
                    TrainingRun.RELEASED,
                    TrainingRun.FAILED,
                    TrainingRun.CANCELLED);

    private final MeterRegistry meters;
    private final Timer epochSeconds;
    private final DistributionSummary samplesPerSecond;
    private final Map<String, AtomicReference<Double>> accuracy = new ConcurrentHashMap<>();
    private volatile Supplier<Map<String, Long>> runsByState = Map::of;
    private final AtomicInteger runEpoch = new AtomicInteger();
    private final AtomicInteger runEpochs = new AtomicInteger();

    public TrainerMetrics(MeterRegistry meters) {
        this.meters = meters;
        for (String state : STATES) {
            Gauge.builder(
                            "mmdigits.trainer.runs",
                            this,
                            m -> m.runsByState.get().getOrDefault(state, 0L))
                    .description("Training runs kept, by state")
                    .tag("state", state)
                    .register(meters);
        }
        this.epochSeconds =
                Timer.builder("mmdigits.trainer.epoch.seconds")
                        .description("Duration of a training epoch")
                        .publishPercentileHistogram()
                        .register(meters);
        this.samplesPerSecond =
                DistributionSummary.builder("mmdigits.trainer.samples.per.second")
                        .description("Training throughput of an epoch")
                        .register(meters);
        for (boolean promoted : new boolean[] {true, false}) {
            releases(promoted);
        }
        END_STATES.forEach(this::finished);
        Gauge.builder("mmdigits.trainer.run.epoch", runEpoch, AtomicInteger::get)
                .description("Epochs the run on this replica has finished (0 when idle)")
                .register(meters);
        Gauge.builder("mmdigits.trainer.run.epochs", runEpochs, AtomicInteger::get)
                .description("Epochs planned for the run on this replica (0 when idle)")
                .register(meters);
    }

    /** A run starts on this replica with {@code epochs} planned. */
    public void runStarted(int epochs) {
        runEpoch.set(0);
        runEpochs.set(epochs);
    }

    /** The run on this replica stopped (finished or handed over): the epoch gauges go back to 0. */
    public void runStopped() {
        runEpoch.set(0);
        runEpochs.set(0);
    }

    /** This replica finished a run (ran it, or cancelled it before it started) in {@code state}. */
    public void runFinished(String state) {
        finished(state).increment();
    }

    private Counter finished(String state) {
        return Counter.builder("mmdigits.trainer.runs.finished")
                .description("Runs this replica finished, by end state")
                .tag("state", state)
                .register(meters);
    }

    /** Where the runs are counted from (the training service, at start). */
    public void watchRuns(Supplier<Map<String, Long>> counts) {
        this.runsByState = counts;
    }

    public void epoch(FusionTrainer.Epoch e) {
        runEpoch.set(e.epoch());
        epochSeconds.record(Duration.ofNanos((long) (e.seconds() * 1e9)));
        samplesPerSecond.record(e.samplesPerSecond());
    }

    /**
     * A version was registered: counted by the gate's decision; its validation accuracy is its
     * name's latest.
     */
    public void released(String dataset, String name, double validationAccuracy, boolean promoted) {
        releases(promoted).increment();
        accuracy.computeIfAbsent(
                        dataset + "/" + name,
                        k -> {
                            AtomicReference<Double> value = new AtomicReference<>(Double.NaN);
                            Gauge.builder(
                                            "mmdigits.trainer.validation.accuracy",
                                            value,
                                            AtomicReference::get)
                                    .description(
                                            "Validation accuracy (both modalities) of the model name's latest release")
                                    .tag("dataset", dataset)
                                    .tag("model", name)
                                    .register(meters);
                            return value;
                        })
                .set(validationAccuracy);
    }

    private Counter releases(boolean promoted) {
        return Counter.builder("mmdigits.trainer.releases")
                .description("Versions registered, by the promotion gate's decision")
                .tag("promoted", Boolean.toString(promoted))
                .register(meters);
    }
}
