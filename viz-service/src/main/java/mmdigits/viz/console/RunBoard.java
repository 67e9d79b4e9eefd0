package mmdigits.viz.console;

import java.util.ArrayList;
import java.util.List;
import mmdigits.common.proto.TrainingProgress;
import mmdigits.common.proto.TrainingQueued;
import mmdigits.common.proto.TrainingResult;
import mmdigits.common.proto.TrainingStarted;
import mmdigits.viz.console.ConsoleView.RunView;

/**
 * The training runs as their events on {@code digits.events} tell them (queued, started, one event
 * per epoch, cancel requested, the result), whichever trainer replica wrote them. A run first seen
 * through a later event (its queued event is older than the log) is shown from there; a finished
 * run stays as its first result left it. The newest runs are kept.
 */
final class RunBoard {
    private static final int RUNS_KEPT = 100;

    /** One run, changed in place by its events. */
    private static final class Run {
        final String id;
        String dataset = "";
        String model = "";
        String state = "QUEUED";
        boolean cancelling;
        boolean finished;
        int epoch;
        int epochs;
        Double loss;
        Double trainAccuracy;
        Double validationAccuracy;
        String version;
        Boolean promoted;
        String promotionReason;
        String error;
        String instance;
        Long queuedMs;
        Long startedMs;
        Long finishedMs;

        Run(String id) {
            this.id = id;
        }

        RunView view() {
            return new RunView(
                    id,
                    dataset,
                    model,
                    state,
                    cancelling && !finished,
                    epoch,
                    epochs,
                    loss,
                    trainAccuracy,
                    validationAccuracy,
                    version,
                    promoted,
                    promotionReason,
                    error,
                    instance,
                    queuedMs,
                    startedMs,
                    finishedMs);
        }
    }

    private final Bounded<String, Run> runs = new Bounded<>(RUNS_KEPT);

    private Run run(String id) {
        return runs.computeIfAbsent(id, Run::new);
    }

    /** The run unless it is finished (a finished run changes no more). */
    private Run open(String id) {
        Run r = run(id);
        return r.finished ? null : r;
    }

    void onQueued(TrainingQueued q, Long atMs) {
        Run r = run(q.getRunId());
        r.dataset = q.getDataset();
        r.model = q.getModelName().isEmpty() ? q.getDataset() : q.getModelName();
        r.epochs = Math.max(r.epochs, q.getEpochs());
        r.queuedMs = atMs;
    }

    /** Started, or started over on another instance: the epochs of an earlier attempt are gone. */
    void onStarted(TrainingStarted s, Long atMs) {
        Run r = open(s.getRunId());
        if (r == null || (r.startedMs != null && s.getInstanceId().equals(r.instance))) {
            return;
        }
        r.state = "LOADING";
        r.instance = s.getInstanceId();
        r.startedMs = atMs;
        r.epoch = 0;
    }

    void onProgress(TrainingProgress p) {
        Run r = open(p.getRunId());
        if (r == null) {
            return;
        }
        r.state = "TRAINING";
        r.epoch = p.getEpoch();
        r.epochs = p.getEpochs();
        r.loss = p.getLoss();
        r.trainAccuracy = p.getTrainAccuracy();
        r.validationAccuracy = p.getValidationAccuracy();
    }

    void onCancelRequested(String runId) {
        Run r = open(runId);
        if (r != null) {
            r.cancelling = true;
        }
    }

    void onResult(TrainingResult t, Long atMs) {
        Run r = open(t.getRunId());
        if (r == null) {
            return;
        }
        if (!t.getDataset().isEmpty()) {
            r.dataset = t.getDataset();
        }
        if (!t.getModelName().isEmpty()) {
            r.model = t.getModelName();
        }
        r.state = endState(t);
        r.version = blankToNull(t.getModelVersion());
        r.promoted = r.version == null ? null : t.getPromoted();
        r.promotionReason = blankToNull(t.getPromotionReason());
        r.error = blankToNull(t.getError());
        Double validation = t.getMetricsMap().get("validation_accuracy");
        if (validation != null) {
            r.validationAccuracy = validation;
        }
        r.finished = true;
        r.finishedMs = atMs;
    }

    static String endState(TrainingResult t) {
        if (!t.getState().isEmpty()) {
            return t.getState();
        }
        return t.getModelVersion().isEmpty() ? "FAILED" : "RELEASED";
    }

    private static String blankToNull(String s) {
        return s.isEmpty() ? null : s;
    }

    /** The runs, newest first. */
    List<RunView> view() {
        List<RunView> out = new ArrayList<>();
        runs.values().forEach(r -> out.add(0, r.view()));
        return out;
    }
}
