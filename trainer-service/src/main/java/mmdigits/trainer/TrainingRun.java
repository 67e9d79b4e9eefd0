package mmdigits.trainer;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import mmdigits.trainer.training.FusionTrainer;

/**
 * The state of one training run, as GET /trainings shows it. A run names its dataset and the model
 * name its version is registered under; {@code publication} is the train split it was queued for
 * (auto-train), {@code instance} the trainer replica that runs (or ran) it, {@code promoted}/{@code
 * promotionReason} what the gate decided. Changed through {@link #toBuilder()}; the transitions
 * that do more than set fields ({@link #startedOn}, {@link #startedOver}, {@link #afterEpoch},
 * {@link Builder#finished}) are named here once.
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

    public boolean finished() {
        return RELEASED.equals(state) || FAILED.equals(state) || CANCELLED.equals(state);
    }

    public boolean started() {
        return startedMs != null;
    }

    /**
     * Started on a trainer instance, as its TrainingStarted event says; a second notice of the same
     * start changes nothing, a start on another instance is {@link #startedOver}.
     */
    public TrainingRun startedOn(long ms, String onInstance) {
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
        return toBuilder()
                .state(LOADING)
                .phase("reading the train split")
                .epochProgress(0.0)
                .startedMs(ms)
                .instance(onInstance)
                .epoch(0)
                .history(List.of())
                .build();
    }

    /**
     * An epoch finished (so the run trains): added to the history, or in place of an epoch of the
     * same number.
     */
    public TrainingRun afterEpoch(FusionTrainer.Epoch e) {
        List<FusionTrainer.Epoch> h = new ArrayList<>(history);
        h.removeIf(old -> old.epoch() == e.epoch());
        h.add(e);
        h.sort(Comparator.comparingInt(FusionTrainer.Epoch::epoch));
        return toBuilder()
                .state(TRAINING)
                .phase("epoch " + e.epoch() + " of " + e.epochs())
                .epochProgress(0.0)
                .epoch(e.epoch())
                .epochs(e.epochs())
                .loss(e.loss())
                .trainAccuracy(e.trainAccuracy())
                .validationAccuracy(e.validationAccuracy())
                .history(List.copyOf(h))
                .build();
    }

    public static Builder builder() {
        return new Builder();
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

        /**
         * Ended at {@code now} in {@code endState} (RELEASED, FAILED or CANCELLED, the phase its
         * lower case), timed from its start.
         */
        public Builder finished(String endState, long now) {
            state = endState;
            phase = endState.toLowerCase(Locale.ROOT);
            epochProgress = null;
            finishedMs = now;
            seconds = startedMs == null ? null : (now - startedMs) / 1000.0;
            return this;
        }

        public Builder id(String value) {
            id = value;
            return this;
        }

        public Builder dataset(String value) {
            dataset = value;
            return this;
        }

        public Builder modelName(String value) {
            modelName = value;
            return this;
        }

        public Builder state(String value) {
            state = value;
            return this;
        }

        public Builder phase(String value) {
            phase = value;
            return this;
        }

        public Builder epoch(int value) {
            epoch = value;
            return this;
        }

        public Builder epochs(int value) {
            epochs = value;
            return this;
        }

        public Builder loss(Double value) {
            loss = value;
            return this;
        }

        public Builder trainAccuracy(Double value) {
            trainAccuracy = value;
            return this;
        }

        public Builder validationAccuracy(Double value) {
            validationAccuracy = value;
            return this;
        }

        public Builder device(String value) {
            device = value;
            return this;
        }

        public Builder trainSamples(long value) {
            trainSamples = value;
            return this;
        }

        public Builder validationSamples(long value) {
            validationSamples = value;
            return this;
        }

        public Builder metrics(Map<String, Double> value) {
            metrics = value;
            return this;
        }

        public Builder history(List<FusionTrainer.Epoch> value) {
            history = value;
            return this;
        }

        public Builder modelVersion(String value) {
            modelVersion = value;
            return this;
        }

        public Builder promoted(Boolean value) {
            promoted = value;
            return this;
        }

        public Builder promotionReason(String value) {
            promotionReason = value;
            return this;
        }

        public Builder publication(String value) {
            publication = value;
            return this;
        }

        public Builder instance(String value) {
            instance = value;
            return this;
        }

        public Builder error(String value) {
            error = value;
            return this;
        }

        public Builder queuedMs(long value) {
            queuedMs = value;
            return this;
        }

        public Builder startedMs(Long value) {
            startedMs = value;
            return this;
        }

        public Builder finishedMs(Long value) {
            finishedMs = value;
            return this;
        }

        public Builder seconds(Double value) {
            seconds = value;
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
