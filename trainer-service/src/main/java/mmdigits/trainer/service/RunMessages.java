package mmdigits.trainer.service;

import com.google.protobuf.ByteString;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.proto.TrainingCancelRequested;
import mmdigits.common.proto.TrainingProgress;
import mmdigits.common.proto.TrainingQueued;
import mmdigits.common.proto.TrainingResult;
import mmdigits.common.proto.TrainingStarted;
import mmdigits.trainer.TrainingRun;
import mmdigits.trainer.training.FusionConfig;
import mmdigits.trainer.training.FusionTrainer;

/**
 * What a run writes to Kafka: its events on {@code digits.events} (queued, started, one per epoch,
 * cancel requested, the result) and its model release, each stamped with the time it is built.
 */
final class RunMessages {
    private RunMessages() {}

    static TrainingQueued.Builder queued(
            String id, String dataset, String modelName, FusionConfig c, String instanceId) {
        return TrainingQueued.newBuilder()
                .setRunId(id)
                .setDataset(dataset)
                .setModelName(modelName)
                .setEpochs(c.epochs())
                .setBatchSize(c.batchSize())
                .setLearningRate(c.learningRate())
                .setSeed(c.seed())
                .setValidationFraction(c.validationFraction())
                .setInstanceId(instanceId);
    }

    static Event.Builder event(TrainingQueued queued, long now) {
        return Event.newBuilder().setTimestampMs(now).setTrainingQueued(queued);
    }

    static Event.Builder cancelRequested(String id, String instanceId) {
        return now().setTrainingCancelRequested(
                        TrainingCancelRequested.newBuilder()
                                .setRunId(id)
                                .setRequestedBy(instanceId));
    }

    static Event started(String id, String instanceId, long started) {
        return Event.newBuilder()
                .setTimestampMs(started)
                .setTrainingStarted(
                        TrainingStarted.newBuilder().setRunId(id).setInstanceId(instanceId))
                .build();
    }

    static Event progress(String id, FusionTrainer.Epoch e) {
        return now().setTrainingProgress(
                        TrainingProgress.newBuilder()
                                .setRunId(id)
                                .setEpoch(e.epoch())
                                .setEpochs(e.epochs())
                                .setLoss(e.loss())
                                .setTrainAccuracy(e.trainAccuracy())
                                .setValidationAccuracy(e.validationAccuracy())
                                .setSeconds(e.seconds())
                                .setSamplesPerSecond(e.samplesPerSecond()))
                .build();
    }

    /** The result of a released run (the registry commits it with the release). */
    static Event.Builder released(
            RunExecutor.Job job, ModelRelease release, FusionTrainer.Result result) {
        return now().setTrainingResult(
                        TrainingResult.newBuilder()
                                .setRunId(job.id())
                                .setDataset(job.dataset())
                                .setModelName(job.modelName())
                                .setModelVersion(release.getVersion())
                                .setState(TrainingRun.RELEASED)
                                .setTrainSamples(result.trainSamples())
                                .setValidationSamples(result.validationSamples())
                                .setDevice(result.device())
                                .putAllMetrics(result.metrics()));
    }

    /** The result of a run that ended without a release: FAILED or CANCELLED, with the reason. */
    static Event ended(TrainingRun run, String state, String reason) {
        return now().setTrainingResult(
                        TrainingResult.newBuilder()
                                .setRunId(run.id())
                                .setDataset(run.dataset())
                                .setModelName(run.modelName())
                                .setState(state)
                                .setError(reason))
                .build();
    }

    /** The run's model as released on {@code digits.models}, its version the run's id. */
    static ModelRelease release(RunExecutor.Job job, FusionTrainer.Result result) {
        ModelRelease.Builder b =
                ModelRelease.newBuilder()
                        .setName(job.modelName())
                        .setVersion(job.id())
                        .setCreatedMs(System.currentTimeMillis())
                        .setDataset(job.dataset())
                        .setRunId(job.id())
                        .putAllMetrics(result.metrics())
                        .setEmbeddingDim(result.embeddingDim())
                        .setOnnx(ByteString.copyFrom(result.onnx()))
                        .setDriftReference(result.driftReference());
        for (float v : result.blankAudio()) {
            b.addBlankAudio(v);
        }
        return b.build();
    }

    private static Event.Builder now() {
        return Event.newBuilder().setTimestampMs(System.currentTimeMillis());
    }
}
