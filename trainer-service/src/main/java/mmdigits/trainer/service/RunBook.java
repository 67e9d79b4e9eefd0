package mmdigits.trainer.service;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.TrainingProgress;
import mmdigits.common.proto.TrainingQueued;
import mmdigits.common.proto.TrainingResult;
import mmdigits.trainer.TrainingRun;
import mmdigits.trainer.training.FusionTrainer;

/**
 * Every trainer replica's view of the training runs, from the run events of {@code digits.events}
 * (a handler of its {@link TopicLog}): whichever replica accepted a run and whichever runs it, each
 * answers {@code GET /trainings} alike. Events are applied idempotently (a run's own replica also
 * updates it directly, before its event comes back): an epoch replaces one of the same number, the
 * first result wins. The oldest finished runs beyond the limit are forgotten.
 */
public final class RunBook implements TopicLog.Handler<Event> {
    private final Map<String, TrainingRun> runs = new LinkedHashMap<>();
    private final Set<String> cancelRequested = new HashSet<>();
    private final int kept;
    private volatile Consumer<String> onCancelRequested = id -> {};

    public RunBook(int kept) {
        this.kept = Math.max(1, kept);
    }

    /**
     * Called (on the log's thread) with a run id when a cancellation is asked for while this
     * service runs; one asked for before it started is found by {@link #cancelRequested}.
     */
    public void onCancelRequested(Consumer<String> callback) {
        this.onCancelRequested = callback;
    }

    @Override
    public void on(TopicLog.Entry<Event> entry) {
        Event ev = entry.value();
        if (ev == null) {
            return;
        }
        long ts = ev.getTimestampMs();
        switch (ev.getPayloadCase()) {
            case TRAINING_QUEUED -> add(queued(ev.getTrainingQueued(), ts));
            case TRAINING_STARTED ->
                    update(
                            ev.getTrainingStarted().getRunId(),
                            r -> r.startedOn(ts, ev.getTrainingStarted().getInstanceId()));
            case TRAINING_PROGRESS -> onProgress(ev.getTrainingProgress());
            case TRAINING_RESULT -> onResult(ev.getTrainingResult(), ts);
            case TRAINING_CANCEL_REQUESTED -> {
                String id = ev.getTrainingCancelRequested().getRunId();
                synchronized (this) {
                    cancelRequested.add(id);
                }
                update(id, r -> r.toBuilder().phase("cancelling").build());
                if (!entry.historical()) {
                    onCancelRequested.accept(id);
                }
            }
            default -> {}
        }
    }

    static TrainingRun queued(TrainingQueued q, long ts) {
        return TrainingRun.builder()
                .id(q.getRunId())
                .dataset(q.getDataset())
                .modelName(q.getModelName())
                .state(TrainingRun.QUEUED)
                .phase("queued")
                .epochs(q.getEpochs())
                .publication(blankToNull(q.getPublicationId()))
                .queuedMs(ts)
                .build();
    }

    private void onProgress(TrainingProgress p) {
        update(
                p.getRunId(),
                r ->
                        r.afterEpoch(
                                new FusionTrainer.Epoch(
                                        p.getEpoch(),
                                        p.getEpochs(),
                                        p.getLoss(),
                                        p.getTrainAccuracy(),
                                        p.getValidationAccuracy(),
                                        p.getSeconds(),
                                        p.getSamplesPerSecond())));
    }

    private void onResult(TrainingResult t, long ts) {
        String state =
                !t.getState().isEmpty()
                        ? t.getState()
                        : t.getModelVersion().isEmpty() ? TrainingRun.FAILED : TrainingRun.RELEASED;
        update(t.getRunId(), r -> recorded(r, t, state, ts));
    }

    /** A run as its TrainingResult event (of this or another replica) records it. */
    private static TrainingRun recorded(TrainingRun r, TrainingResult t, String state, long ts) {
        String version = blankToNull(t.getModelVersion());
        return r.toBuilder()
                .finished(state, ts)
                .trainSamples(t.getTrainSamples())
                .validationSamples(t.getValidationSamples())
                .device(t.getDevice().isEmpty() ? r.device() : t.getDevice())
                .metrics(t.getMetricsMap())
                .modelVersion(version)
                .promoted(version == null ? null : t.getPromoted())
                .promotionReason(blankToNull(t.getPromotionReason()))
                .error(blankToNull(t.getError()))
                .build();
    }

    private static String blankToNull(String s) {
        return s.isEmpty() ? null : s;
    }

    /** Adds a run unless it is known; the oldest finished runs beyond the limit are forgotten. */
    public synchronized void add(TrainingRun run) {
        if (runs.putIfAbsent(run.id(), run) != null) {
            return;
        }
        var it = runs.entrySet().iterator();
        int excess = runs.size() - kept;
        while (excess > 0 && it.hasNext()) {
            var e = it.next();
            if (e.getValue().finished()) {
                it.remove();
                cancelRequested.remove(e.getKey());
                excess--;
            }
        }
    }

    /** Changes an unfinished run (a finished one stays as its first result left it). */
    public synchronized void update(String id, UnaryOperator<TrainingRun> f) {
        runs.computeIfPresent(id, (k, r) -> r.finished() ? r : f.apply(r));
    }

    public synchronized Optional<TrainingRun> run(String id) {
        return Optional.ofNullable(runs.get(id));
    }

    /** Every run kept, in the order they were queued; {@code dataset} filters when given. */
    public synchronized List<TrainingRun> runs(String dataset) {
        return runs.values().stream()
                .filter(r -> dataset == null || dataset.equals(r.dataset()))
                .toList();
    }

    /** The run queued for a published train split, if any. */
    public synchronized Optional<TrainingRun> forPublication(String publication) {
        return runs.values().stream().filter(r -> publication.equals(r.publication())).findFirst();
    }

    /** Runs queued and not started yet, across every trainer replica. */
    public synchronized int waiting() {
        return (int) runs.values().stream().filter(r -> !r.finished() && !r.started()).count();
    }

    public synchronized boolean cancelRequested(String id) {
        return cancelRequested.contains(id);
    }

    public synchronized Map<String, Long> countByState() {
        return runs.values().stream()
                .collect(Collectors.groupingBy(TrainingRun::state, Collectors.counting()));
    }
}
