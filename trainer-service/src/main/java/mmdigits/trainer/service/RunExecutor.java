package mmdigits.trainer.service;

import io.quarkus.logging.Log;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.proto.Split;
import mmdigits.trainer.TrainingRun;
import mmdigits.trainer.messaging.KafkaOutput;
import mmdigits.trainer.messaging.TrainerLogs;
import mmdigits.trainer.messaging.TrainingSetReader;
import mmdigits.trainer.metrics.TrainerMetrics;
import mmdigits.trainer.onnx.ExportGate;
import mmdigits.trainer.registry.Registry;
import mmdigits.trainer.training.FusionConfig;
import mmdigits.trainer.training.FusionTrainer;

/**
 * Runs one training run on this trainer instance: load the dataset's train split, train, export,
 * check, register with the gate's decision, write the artifacts. Every step is an event on {@code
 * digits.events} (started, one per epoch, the result) and a change in the {@link RunBook}. A run
 * stops at its next batch when it is cancelled (it ends CANCELLED) or handed over to another
 * replica (it ends without a result: the replica that took the training queue over runs it again).
 */
final class RunExecutor {
    /** A run to execute, with its settings resolved. */
    record Job(String id, String dataset, String modelName, FusionConfig config) {}

    /** Why a run stops before its end. */
    private static final class Stopped extends CancellationException {
        final boolean handedOver;

        Stopped(String id, boolean handedOver) {
            super(id);
            this.handedOver = handedOver;
        }
    }

    private final TrainingSetReader reader;
    private final KafkaOutput output;
    private final TrainerLogs logs;
    private final Registry registry;
    private final TrainerMetrics metrics;
    private final ArtifactWriter artifacts;
    private final RunBook book;
    private final String instanceId;
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    private final Set<String> handedOver = ConcurrentHashMap.newKeySet();

    RunExecutor(
            TrainingSetReader reader,
            KafkaOutput output,
            TrainerLogs logs,
            Registry registry,
            TrainerMetrics metrics,
            ArtifactWriter artifacts,
            RunBook book,
            String instanceId) {
        this.reader = reader;
        this.output = output;
        this.logs = logs;
        this.registry = registry;
        this.metrics = metrics;
        this.artifacts = artifacts;
        this.book = book;
        this.instanceId = instanceId;
    }

    /** The running run stops at its next batch and ends CANCELLED. */
    void cancel(String id) {
        cancelled.add(id);
    }

    /** The running run stops at its next batch without a result: another replica runs it. */
    void handOver(String id) {
        handedOver.add(id);
    }

    void execute(Job job) {
        String id = job.id();
        metrics.runStarted(job.config().epochs());
        try {
            start(id);
            trainAndRelease(job);
        } catch (Stopped e) {
            onStopped(id, e);
        } catch (Exception | Error e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            Log.errorf(e, "run %s failed: %s", id, reason);
            finish(id, TrainingRun.FAILED, reason);
        } finally {
            metrics.runStopped();
            cancelled.remove(id);
            handedOver.remove(id);
        }
    }

    private void start(String id) {
        long started = System.currentTimeMillis();
        output.send(id, RunMessages.started(id, instanceId, started));
        book.update(id, r -> r.startedOver(started, instanceId));
    }

    private void onStopped(String id, Stopped e) {
        if (e.handedOver) {
            Log.infof("run %s handed over to the trainer that took the queue over", id);
        } else {
            Log.infof("run %s cancelled", id);
            String phase = book.run(id).map(TrainingRun::phase).orElse("running");
            finish(id, TrainingRun.CANCELLED, "cancelled while " + phase);
        }
    }

    private void trainAndRelease(Job job) throws Exception {
        String id = job.id();
        TrainingSetReader.Read read =
                reader.read(job.dataset(), logs.catalog().latest(job.dataset(), Split.TRAIN));
        checkStopped(id);
        enter(id, TrainingRun.TRAINING, "training");
        FusionTrainer.Result result =
                FusionTrainer.train(read.set(), job.config(), ExportGate.ONNX, progress(job));
        checkStopped(id);
        enter(id, TrainingRun.EXPORTING, "registering");
        ModelRelease release = RunMessages.release(job, result);
        artifacts.write(release, result);
        Optional<Registry.Decision> d =
                registry.release(
                        release,
                        RunMessages.released(job, release, result),
                        onnx -> Registry.accuracy(onnx, read.set(), result.validationRows()));
        if (d.isPresent()) {
            released(job, release, result, d.get());
        } // else another replica released this run (and recorded its result)
    }

    private RunProgress progress(Job job) {
        return new RunProgress(
                job.id(),
                job.config().epochs(),
                book,
                metrics,
                output,
                () -> checkStopped(job.id()));
    }

    private void enter(String id, String state, String phase) {
        book.update(id, r -> r.toBuilder().state(state).phase(phase).build());
    }

    /** The release is committed: latest/, the metrics, the run's state and a log line. */
    private void released(
            Job job, ModelRelease release, FusionTrainer.Result result, Registry.Decision d)
            throws Exception {
        artifacts.copyToLatest(release.getVersion());
        metrics.released(
                job.dataset(),
                job.modelName(),
                result.metrics().getOrDefault("validation_accuracy", Double.NaN),
                d.promote());
        metrics.runFinished(TrainingRun.RELEASED);
        long now = System.currentTimeMillis();
        book.update(
                job.id(),
                r ->
                        r.toBuilder()
                                .finished(TrainingRun.RELEASED, now)
                                .device(result.device())
                                .trainSamples(result.trainSamples())
                                .validationSamples(result.validationSamples())
                                .metrics(result.metrics())
                                .history(result.epochs())
                                .modelVersion(release.getVersion())
                                .promoted(d.promote())
                                .promotionReason(d.reason())
                                .error(null)
                                .build());
        Log.infof(
                "run %s released model %s/%s: %s",
                job.id(), job.modelName(), release.getVersion(), result.metrics());
    }

    private void checkStopped(String id) {
        if (handedOver.contains(id)) {
            throw new Stopped(id, true);
        }
        if (cancelled.contains(id)) {
            throw new Stopped(id, false);
        }
    }

    /** A run ends without a release: its state, and a TrainingResult event saying so. */
    void finish(String id, String state, String reason) {
        long now = System.currentTimeMillis();
        book.update(id, r -> r.toBuilder().finished(state, now).error(reason).build());
        metrics.runFinished(state);
        output.send(id, RunMessages.ended(book.run(id).orElseThrow(), state, reason));
    }
}
