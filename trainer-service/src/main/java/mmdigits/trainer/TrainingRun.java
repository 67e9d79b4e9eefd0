package mmdigits.trainer;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import mmdigits.trainer.training.FusionTrainer;

/**
 * The state of one training run, as GET /trainings shows it. A run names its dataset and the model
 * name its version is registered under; {@code publication} is the train split it was queued for
 * (auto-train), {@code promoted}/{@code promotionReason} what the gate decided.
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
        return new TrainingRun(
                id,
                dataset,
                modelName,
                QUEUED,
                "queued",
                0,
                epochs,
                null,
                null,
                null,
                null,
                0,
                0,
                Map.of(),
                List.of(),
                null,
                null,
                null,
                publication,
                null,
                queuedMs,
                null,
                null,
                null,
                null);
    }

    public boolean finished() {
        return RELEASED.equals(state) || FAILED.equals(state) || CANCELLED.equals(state);
    }

    public boolean started() {
        return startedMs != null;
    }

    public TrainingRun withState(String newState, String newPhase) {
        return new TrainingRun(
                id,
                dataset,
                modelName,
                newState,
                newPhase,
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
                error,
                queuedMs,
                startedMs,
                finishedMs,
                seconds,
                epochProgress);
    }

    public TrainingRun withStarted(long ms) {
        return new TrainingRun(
                id,
                dataset,
                modelName,
                LOADING,
                "reading the train split",
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
                error,
                queuedMs,
                ms,
                finishedMs,
                seconds,
                0.0);
    }

    public TrainingRun withEpoch(FusionTrainer.Epoch e, List<FusionTrainer.Epoch> newHistory) {
        return new TrainingRun(
                id,
                dataset,
                modelName,
                state,
                "epoch " + e.epoch() + " of " + e.epochs(),
                e.epoch(),
                e.epochs(),
                e.loss(),
                e.trainAccuracy(),
                e.validationAccuracy(),
                device,
                trainSamples,
                validationSamples,
                metrics,
                newHistory,
                modelVersion,
                promoted,
                promotionReason,
                publication,
                error,
                queuedMs,
                startedMs,
                finishedMs,
                seconds,
                0.0);
    }

    /** The share of the current epoch done (0-1), for progress bars. */
    public TrainingRun withEpochProgress(double share) {
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
                error,
                queuedMs,
                startedMs,
                finishedMs,
                seconds,
                share);
    }

    /** Released as {@code version}, with what the promotion gate decided. */
    public TrainingRun released(
            FusionTrainer.Result r, String version, boolean isPromoted, String reason, long now) {
        return new TrainingRun(
                id,
                dataset,
                modelName,
                RELEASED,
                "released",
                epoch,
                epochs,
                loss,
                trainAccuracy,
                validationAccuracy,
                r.device(),
                r.trainSamples(),
                r.validationSamples(),
                r.metrics(),
                r.epochs(),
                version,
                isPromoted,
                reason,
                publication,
                null,
                queuedMs,
                startedMs,
                now,
                elapsed(now),
                null);
    }

    /** Ended without a release: FAILED or CANCELLED, with the reason. */
    public TrainingRun ended(String endState, String reason, long now) {
        return new TrainingRun(
                id,
                dataset,
                modelName,
                endState,
                endState.toLowerCase(Locale.ROOT),
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
                reason,
                queuedMs,
                startedMs,
                now,
                elapsed(now),
                null);
    }

    /** As recorded by a TrainingResult event of an earlier trainer process. */
    public TrainingRun recorded(
            String endState,
            String version,
            Map<String, Double> resultMetrics,
            Boolean isPromoted,
            String reason,
            String failure,
            long now) {
        return new TrainingRun(
                id,
                dataset,
                modelName,
                endState,
                endState.toLowerCase(Locale.ROOT),
                epoch,
                epochs,
                loss,
                trainAccuracy,
                validationAccuracy,
                device,
                trainSamples,
                validationSamples,
                resultMetrics,
                history,
                version == null || version.isEmpty() ? null : version,
                isPromoted,
                reason == null || reason.isEmpty() ? null : reason,
                publication,
                failure == null || failure.isEmpty() ? null : failure,
                queuedMs,
                startedMs,
                now,
                elapsed(now),
                null);
    }

    private Double elapsed(long now) {
        return startedMs == null ? null : (now - startedMs) / 1000.0;
    }
}
