package mmdigits.trainer;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import mmdigits.trainer.training.FusionTrainer;

/**
 * The state of one training run, as GET /trainings shows it. A run names its dataset and the model
 * name its version is registered under; {@code publication} is the train split it was queued for
 * (auto-train), {@code instance} the trainer replica that runs (or ran) it, {@code promoted}/{@code
 * promotionReason} what the gate decided. Changed through {@link #toBuilder()}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainingRun(
        String id,
        String dataset,
        String modelName,
        String state,
        String phase,
        int epoch,
        int epochs,
        Double loss,
        Double trainAccuracy,
        Double validationAccuracy,
        String device,
        long trainSamples,
        long validationSamples,
        Map<String, Double> metrics,
        List<FusionTrainer.Epoch> history,
        String modelVersion,
        Boolean promoted,
        String promotionReason,
        String publication,
        String instance,
        String error,
        long queuedMs,
        Long startedMs,
        Long finishedMs,
        Double seconds,
        Double epochProgress) {

    public static final String QUEUED = "QUEUED";
    public static final String LOADING = "LOADING";
    public static final String TRAINING = "TRAINING";
    public static final String EXPORTING = "EXPORTING";
    public static final String RELEASED = "RELEASED";
    public static final String FAILED = "FAILED";
    public static final String CANCELLED = "CANCELLED";

    /** A run waiting in the queue. */
    public static TrainingRun queued(
            String id,
            String dataset,
            String modelName,
            int epochs,
            String publication,
            long queuedMs) {
        Builder b = new Builder();
        b.id = id;
        b.dataset = dataset;
        b.modelName = modelName;
        b.state = QUEUED;
        b.phase = "queued";
        b.epochs = epochs;
        b.publication = publication;
        b.queuedMs = queuedMs;
        return b.build();
    }

    public boolean finished() {
        return RELEASED.equals(state) || FAILED.equals(state) || CANCELLED.equals(state);
    }

    public boolean started() {
        return startedMs != null;
    }

    public TrainingRun withState(String newState, String newPhase) {
        return toBuilder().state(newState).phase(newPhase).build();
    }

    /**
     * Started on a trainer instance, as its TrainingStarted event says; a second notice of the same
     * start changes nothing, a start on another instance is {@link #startedOver}.
     */
    public TrainingRun withStarted(long ms, String onInstance) {
        if (startedMs != null && onInstance.equals(instance)) {
            return this;
        }
        return startedOver(ms, onInstance);
    }

    /**
     * Started (again) on a trainer instance: a run that an instance began and left unfinished
     * starts over, without the epochs of that attempt.
     */
    public TrainingRun startedOver(long ms, String onInstance) {
        Builder b = toBuilder().state(LOADING).phase("reading the train split").epochProgress(0.0);
        b.startedMs = ms;
        b.instance = onInstance;
        b.epoch = 0;
        b.history = List.of();
        return b.build();
    }

    /**
     * An epoch finished (so the run trains): added to the history, or in place of an epoch of the
     * same number.
     */
    public TrainingRun withEpoch(FusionTrainer.Epoch e) {
        List<FusionTrainer.Epoch> h = new ArrayList<>(history);
        h.removeIf(old -> old.epoch() == e.epoch());
        h.add(e);
        h.sort((a, b) -> Integer.compare(a.epoch(), b.epoch()));
        Builder b =
                toBuilder()
                        .state(TRAINING)
                        .phase("epoch " + e.epoch() + " of " + e.epochs())
                        .epochProgress(0.0);
        b.epoch = e.epoch();
        b.epochs = e.epochs();
        b.loss = e.loss();
        b.trainAccuracy = e.trainAccuracy();
        b.validationAccuracy = e.validationAccuracy();
        b.history = List.copyOf(h);
        return b.build();
    }

    /** The share of the current epoch done (0-1), for progress bars. */
    public TrainingRun withEpochProgress(double share) {
        return toBuilder().epochProgress(share).build();
    }

    /** Released as {@code version}, with what the promotion gate decided. */
    public TrainingRun released(
            FusionTrainer.Result r, String version, boolean isPromoted, String reason, long now) {
        Builder b = finish(RELEASED, "released", now);
        b.device = r.device();
        b.trainSamples = r.trainSamples();
        b.validationSamples = r.validationSamples();
        b.metrics = r.metrics();
        b.history = r.epochs();
        b.modelVersion = version;
        b.promoted = isPromoted;
        b.promotionReason = reason;
        b.error = null;
        return b.build();
    }

    /** Ended without a release: FAILED or CANCELLED, with the reason. */
    public TrainingRun ended(String endState, String reason, long now) {
        Builder b = finish(endState, endState.toLowerCase(Locale.ROOT), now);
        b.error = reason;
        return b.build();
    }

    /** As recorded by a TrainingResult event (of this or another trainer instance). */
    public TrainingRun recorded(
            String endState,
            String version,
            long trainedOn,
            long validatedOn,
            String onDevice,
            Map<String, Double> resultMetrics,
            Boolean isPromoted,
            String reason,
            String failure,
            long now) {
        Builder b = finish(endState, endState.toLowerCase(Locale.ROOT), now);
        b.trainSamples = trainedOn;
        b.validationSamples = validatedOn;
        b.device = blankToNull(onDevice) == null ? device : onDevice;
        b.metrics = resultMetrics;
        b.modelVersion = blankToNull(version);
        b.promoted = isPromoted;
        b.promotionReason = blankToNull(reason);
        b.error = blankToNull(failure);
        return b.build();
    }

    private Builder finish(String endState, String endPhase, long now) {
        Builder b = toBuilder().state(endState).phase(endPhase).epochProgress(null);
        b.finishedMs = now;
        b.seconds = startedMs == null ? null : (now - startedMs) / 1000.0;
        return b;
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A run's fields, changed one at a time. */
    public static final class Builder {
        private String id;
        private String dataset;
        private String modelName;
        private String state;
        private String phase;
        private int epoch;
        private int epochs;
        private Double loss;
        private Double trainAccuracy;
        private Double validationAccuracy;
        private String device;
        private long trainSamples;
        private long validationSamples;
        private Map<String, Double> metrics = Map.of();
        private List<FusionTrainer.Epoch> history = List.of();
        private String modelVersion;
        private Boolean promoted;
        private String promotionReason;
        private String publication;
        private String instance;
        private String error;
        private long queuedMs;
        private Long startedMs;
        private Long finishedMs;
        private Double seconds;
        private Double epochProgress;

        private Builder() {}

        private Builder(TrainingRun r) {
            id = r.id;
            dataset = r.dataset;
            modelName = r.modelName;
            state = r.state;
            phase = r.phase;
            epoch = r.epoch;
            epochs = r.epochs;
            loss = r.loss;
            trainAccuracy = r.trainAccuracy;
            validationAccuracy = r.validationAccuracy;
            device = r.device;
            trainSamples = r.trainSamples;
            validationSamples = r.validationSamples;
            metrics = r.metrics;
            history = r.history;
            modelVersion = r.modelVersion;
            promoted = r.promoted;
            promotionReason = r.promotionReason;
            publication = r.publication;
            instance = r.instance;
            error = r.error;
            queuedMs = r.queuedMs;
            startedMs = r.startedMs;
            finishedMs = r.finishedMs;
            seconds = r.seconds;
            epochProgress = r.epochProgress;
        }

        public Builder state(String value) {
            state = value;
            return this;
        }

        public Builder phase(String value) {
            phase = value;
            return this;
        }

        public Builder epochProgress(Double value) {
            epochProgress = value;
            return this;
        }

        public TrainingRun build() {
            return new TrainingRun(
                    id,
                    dataset,
                    modelName,
                    state,
                    phase,
                    epoch,
                    epochs,
                    loss,
                    trainAccuracy,
                    validationAccuracy,
                    device,
                    trainSamples,
                    validationSamples,
                    metrics,
                    history,
                    modelVersion,
                    promoted,
                    promotionReason,
                    publication,
                    instance,
                    error,
                    queuedMs,
                    startedMs,
                    finishedMs,
                    seconds,
                    epochProgress);
        }
    }
}
