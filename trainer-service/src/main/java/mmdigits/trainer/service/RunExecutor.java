package mmdigits.trainer.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.protobuf.ByteString;
import io.quarkus.logging.Log;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.proto.Split;
import mmdigits.common.proto.TrainingProgress;
import mmdigits.common.proto.TrainingResult;
import mmdigits.common.proto.TrainingStarted;
import mmdigits.trainer.TrainingRun;
import mmdigits.trainer.config.TrainerConfig;
import mmdigits.trainer.messaging.KafkaOutput;
import mmdigits.trainer.messaging.TrainerLogs;
import mmdigits.trainer.messaging.TrainingSetReader;
import mmdigits.trainer.metrics.TrainerMetrics;
import mmdigits.trainer.registry.Registry;
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
    record Job(String id, String dataset, String modelName, FusionTrainer.Config config) {}

    /** Why a run stops before its end. */
    private static final class Stopped extends CancellationException {
        final boolean handedOver;

        Stopped(String id, boolean handedOver) {
            super(id);
            this.handedOver = handedOver;
        }
    }

    private final TrainerConfig config;
    private final TrainingSetReader reader;
    private final KafkaOutput output;
    private final TrainerLogs logs;
    private final Registry registry;
    private final TrainerMetrics metrics;
    private final RunBook book;
    private final String instanceId;
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    private final Set<String> handedOver = ConcurrentHashMap.newKeySet();

    RunExecutor(
            TrainerConfig config,
            TrainingSetReader reader,
            KafkaOutput output,
            TrainerLogs logs,
            Registry registry,
            TrainerMetrics metrics,
            RunBook book,
            String instanceId) {
        this.config = config;
        this.reader = reader;
        this.output = output;
        this.logs = logs;
        this.registry = registry;
        this.metrics = metrics;
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
        try {
            long started = System.currentTimeMillis();
            output.send(
                    id,
                    Event.newBuilder()
                            .setTimestampMs(started)
                            .setTrainingStarted(
                                    TrainingStarted.newBuilder()
                                            .setRunId(id)
                                            .setInstanceId(instanceId))
                            .build());
            book.update(id, r -> r.startedOver(started, instanceId));
            trainAndRelease(job);
        } catch (Stopped e) {
            if (e.handedOver) {
                Log.infof("run %s handed over to the trainer that took the queue over", id);
            } else {
                Log.infof("run %s cancelled", id);
                finish(
                        id,
                        TrainingRun.CANCELLED,
                        "cancelled while "
                                + book.run(id).map(TrainingRun::phase).orElse("running"));
            }
        } catch (Exception | Error e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            Log.errorf(e, "run %s failed: %s", id, reason);
            finish(id, TrainingRun.FAILED, reason);
        } finally {
            cancelled.remove(id);
            handedOver.remove(id);
        }
    }

    private void trainAndRelease(Job job) throws Exception {
        String id = job.id();
        TrainingSetReader.Read read =
                reader.read(job.dataset(), logs.catalog().latest(job.dataset(), Split.TRAIN));
        checkStopped(id);
        book.update(id, r -> r.withState(TrainingRun.TRAINING, "training"));
        FusionTrainer.Result result =
                FusionTrainer.train(read.set(), job.config(), new Listener(id, job.config()));
        checkStopped(id);
        book.update(id, r -> r.withState(TrainingRun.EXPORTING, "registering"));
        ModelRelease release = release(job, result);
        writeArtifacts(release, result);
        Optional<Registry.Decision> d =
                registry.release(
                        release,
                        resultEvent(job, release, result),
                        onnx -> Registry.accuracy(onnx, read.set(), result.validationRows()));
        if (d.isEmpty()) {
            return; // another replica released this run (and recorded its result)
        }
        copyToLatest(release.getVersion());
        metrics.released(
                job.dataset(),
                job.modelName(),
                result.metrics().getOrDefault("validation_accuracy", Double.NaN),
                d.get().promote());
        book.update(
                id,
                r ->
                        r.released(
                                result,
                                release.getVersion(),
                                d.get().promote(),
                                d.get().reason(),
                                System.currentTimeMillis()));
        Log.infof(
                "run %s released model %s/%s: %s",
                id, job.modelName(), release.getVersion(), result.metrics());
    }

    private static Event.Builder resultEvent(
            Job job, ModelRelease release, FusionTrainer.Result result) {
        return Event.newBuilder()
                .setTimestampMs(System.currentTimeMillis())
                .setTrainingResult(
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

    private static ModelRelease release(Job job, FusionTrainer.Result result) {
        ModelRelease.Builder b =
                ModelRelease.newBuilder()
                        .setName(job.modelName())
                        .setVersion(job.id())
                        .setCreatedMs(System.currentTimeMillis())
                        .setDataset(job.dataset())
                        .setRunId(job.id())
                        .putAllMetrics(result.metrics())
                        .setEmbeddingDim(result.embeddingDim())
                        .setOnnx(ByteString.copyFrom(result.onnx()));
        for (float v : result.blankAudio()) {
            b.addBlankAudio(v);
        }
        return b.build();
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
        book.update(id, r -> r.ended(state, reason, System.currentTimeMillis()));
        TrainingRun r = book.run(id).orElseThrow();
        output.send(
                id,
                Event.newBuilder()
                        .setTimestampMs(System.currentTimeMillis())
                        .setTrainingResult(
                                TrainingResult.newBuilder()
                                        .setRunId(id)
                                        .setDataset(r.dataset())
                                        .setModelName(r.modelName())
                                        .setState(state)
                                        .setError(reason))
                        .build());
    }

    /**
     * Progress: a log line per epoch with a bar, an event per epoch, the run's state; a cancelled
     * or handed-over run stops at its next batch.
     */
    private final class Listener implements FusionTrainer.Listener {
        private final String id;
        private final FusionTrainer.Config c;
        private long lastLog;

        Listener(String id, FusionTrainer.Config c) {
            this.id = id;
            this.c = c;
        }

        @Override
        public void onBatch(int epoch, long done, long total, double loss, double accuracy) {
            checkStopped(id);
            long now = System.nanoTime();
            if (now - lastLog > 2_000_000_000L || done == total) {
                lastLog = now;
                book.update(id, r -> r.withEpochProgress(done / (double) Math.max(1, total)));
                int filled = (int) (20 * done / Math.max(1, total));
                Log.infof(
                        "epoch %d/%d [%s%s] %3d%% loss %.4f acc %.4f",
                        epoch,
                        c.epochs(),
                        "#".repeat(filled),
                        "-".repeat(20 - filled),
                        100 * done / Math.max(1, total),
                        loss,
                        accuracy);
            }
        }

        @Override
        public void onEpoch(FusionTrainer.Epoch e) {
            metrics.epoch(e);
            book.update(id, r -> r.withEpoch(e));
            Log.infof(
                    "epoch %d/%d: loss %.4f, train accuracy %.4f, validation accuracy %.4f, %.1f s, %,.0f samples/s",
                    e.epoch(),
                    e.epochs(),
                    e.loss(),
                    e.trainAccuracy(),
                    e.validationAccuracy(),
                    e.seconds(),
                    e.samplesPerSecond());
            output.send(
                    id,
                    Event.newBuilder()
                            .setTimestampMs(System.currentTimeMillis())
                            .setTrainingProgress(
                                    TrainingProgress.newBuilder()
                                            .setRunId(id)
                                            .setEpoch(e.epoch())
                                            .setEpochs(e.epochs())
                                            .setLoss(e.loss())
                                            .setTrainAccuracy(e.trainAccuracy())
                                            .setValidationAccuracy(e.validationAccuracy())
                                            .setSeconds(e.seconds())
                                            .setSamplesPerSecond(e.samplesPerSecond()))
                            .build());
        }

        @Override
        public void onPhase(String phase) {
            Log.info(phase);
        }
    }

    private void writeArtifacts(ModelRelease release, FusionTrainer.Result result)
            throws Exception {
        Path dir = config.artifactsDir().resolve(release.getVersion());
        Files.createDirectories(dir);
        Files.write(dir.resolve("model.onnx"), result.onnx());
        Files.write(dir.resolve("parameters.djl"), result.parameters());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", release.getName());
        m.put("version", release.getVersion());
        m.put("dataset", release.getDataset());
        m.put("device", result.device());
        m.put("train_samples", result.trainSamples());
        m.put("validation_samples", result.validationSamples());
        m.put("embedding_dim", result.embeddingDim());
        m.put("metrics", result.metrics());
        m.put("epochs", result.epochs());
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(dir.resolve("metrics.json").toFile(), m);
    }

    /**
     * latest/ is the newest registered version's artifacts (written once the release is committed).
     */
    private void copyToLatest(String version) throws Exception {
        Path latestDir = config.artifactsDir().resolve("latest");
        Files.createDirectories(latestDir);
        for (String f : List.of("model.onnx", "parameters.djl", "metrics.json")) {
            Files.copy(
                    config.artifactsDir().resolve(version).resolve(f),
                    latestDir.resolve(f),
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
