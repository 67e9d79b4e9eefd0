package mmdigits.trainer.service;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.quarkus.logging.Log;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.proto.TrainingProgress;
import mmdigits.common.proto.TrainingResult;
import mmdigits.common.rest.ProblemException;
import mmdigits.trainer.TrainingRun;
import mmdigits.trainer.config.TrainerConfig;
import mmdigits.trainer.messaging.KafkaOutput;
import mmdigits.trainer.messaging.TrainingSetReader;
import mmdigits.trainer.training.FusionSpec;
import mmdigits.trainer.training.FusionTrainer;

/** Runs one training at a time: load the train topic, train, export, check, release. */
@ApplicationScoped
public class TrainingService {
    /** Optional settings of one run; null means the configured default. */
    public record Request(String dataset, Integer epochs, Integer batchSize, Float learningRate, Long seed,
            Float validationFraction) {
    }

    private final TrainerConfig config;
    private final TrainingSetReader reader;
    private final KafkaOutput output;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "training"));
    private final Map<String, TrainingRun> runs = new ConcurrentHashMap<>();
    private final List<String> order = new ArrayList<>();
    private final AtomicReference<String> current = new AtomicReference<>();
    private volatile ModelRelease latest;

    public TrainingService(TrainerConfig config, TrainingSetReader reader, KafkaOutput output) {
        this.config = config;
        this.reader = reader;
        this.output = output;
    }

    /** @throws ProblemException 409 naming the run in progress */
    public synchronized TrainingRun start(Request request) {
        String running = current.get();
        if (running != null) {
            throw ProblemException.conflict("training run " + running + " is in progress; one run at a time");
        }
        FusionTrainer.Config c = trainerConfig(request);
        String id = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(java.time.Instant.now())
                + "-" + UUID.randomUUID().toString().substring(0, 4);
        TrainingRun run = new TrainingRun(id, request.dataset(), TrainingRun.QUEUED, "queued", 0, c.epochs(), null, null, null,
                null, 0, 0, Map.of(), List.of(), null, null, System.currentTimeMillis(), null, null);
        runs.put(id, run);
        order.add(id);
        current.set(id);
        executor.submit(() -> execute(id, request.dataset(), c));
        return run;
    }

    FusionTrainer.Config trainerConfig(Request r) {
        FusionTrainer.Config c = new FusionTrainer.Config(config.epochs(), config.batchSize(), config.learningRate(),
                config.seed(), config.validationFraction(), config.modalityDropout(),
                "small".equals(config.model()) ? FusionSpec.small() : FusionSpec.standard());
        if (r.epochs() != null) {
            c = c.optEpochs(r.epochs());
        }
        if (r.batchSize() != null) {
            c = c.optBatchSize(r.batchSize());
        }
        if (r.learningRate() != null) {
            c = c.optLearningRate(r.learningRate());
        }
        if (r.seed() != null) {
            c = c.optSeed(r.seed());
        }
        if (r.validationFraction() != null) {
            c = c.optValidationFraction(r.validationFraction());
        }
        return c;
    }

    private void update(String id, java.util.function.UnaryOperator<TrainingRun> f) {
        runs.computeIfPresent(id, (k, v) -> f.apply(v));
    }

    private void execute(String id, String dataset, FusionTrainer.Config c) {
        long t0 = System.nanoTime();
        try {
            update(id, r -> with(r, TrainingRun.LOADING, "reading the train topic"));
            TrainingSetReader.Read read = reader.read(dataset);
            update(id, r -> with(r, TrainingRun.TRAINING, "training"));
            FusionTrainer.Result result = FusionTrainer.train(read.set(), c, new Listener(id, c));
            update(id, r -> with(r, TrainingRun.EXPORTING, "releasing"));
            String version = id;
            ModelRelease release = ModelRelease.newBuilder().setName(config.modelName()).setVersion(version)
                    .setCreatedMs(System.currentTimeMillis()).setDataset(dataset == null ? "" : dataset).setRunId(id)
                    .putAllMetrics(result.metrics()).setEmbeddingDim(result.embeddingDim())
                    .addAllBlankAudio(boxed(result.blankAudio()))
                    .setOnnx(com.google.protobuf.ByteString.copyFrom(result.onnx())).build();
            writeArtifacts(release, result);
            output.release(release);
            latest = release;
            double seconds = (System.nanoTime() - t0) / 1e9;
            update(id, r -> new TrainingRun(r.id(), r.dataset(), TrainingRun.RELEASED, "released", r.epoch(), r.epochs(), r.loss(),
                    r.trainAccuracy(), r.validationAccuracy(), result.device(), result.trainSamples(), result.validationSamples(),
                    result.metrics(), result.epochs(), version, null, r.startedMs(), System.currentTimeMillis(), seconds));
            output.event(id, Event.newBuilder().setTimestampMs(System.currentTimeMillis()).setTrainingResult(
                    TrainingResult.newBuilder().setRunId(id).setDataset(dataset == null ? "" : dataset).setModelVersion(version)
                            .putAllMetrics(result.metrics())).build());
            Log.infof("run %s released model %s: %s", id, version, result.metrics());
        } catch (Exception | Error e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            Log.errorf(e, "run %s failed: %s", id, reason);
            double seconds = (System.nanoTime() - t0) / 1e9;
            update(id, r -> new TrainingRun(r.id(), r.dataset(), TrainingRun.FAILED, "failed", r.epoch(), r.epochs(), r.loss(),
                    r.trainAccuracy(), r.validationAccuracy(), r.device(), r.trainSamples(), r.validationSamples(), r.metrics(),
                    r.history(), null, reason, r.startedMs(), System.currentTimeMillis(), seconds));
            output.event(id, Event.newBuilder().setTimestampMs(System.currentTimeMillis()).setTrainingResult(
                    TrainingResult.newBuilder().setRunId(id).setDataset(dataset == null ? "" : dataset).setError(reason)).build());
        } finally {
            current.set(null);
        }
    }

    private static TrainingRun with(TrainingRun r, String state, String phase) {
        return new TrainingRun(r.id(), r.dataset(), state, phase, r.epoch(), r.epochs(), r.loss(), r.trainAccuracy(),
                r.validationAccuracy(), r.device(), r.trainSamples(), r.validationSamples(), r.metrics(), r.history(),
                r.modelVersion(), r.error(), r.startedMs(), r.finishedMs(), r.seconds());
    }

    private static List<Float> boxed(float[] v) {
        List<Float> l = new ArrayList<>(v.length);
        for (float f : v) {
            l.add(f);
        }
        return l;
    }

    /** Progress: a log line per epoch with a bar, an event per epoch, the run's state. */
    private final class Listener implements FusionTrainer.Listener {
        private final String id;
        private final FusionTrainer.Config c;
        private final List<FusionTrainer.Epoch> history = new ArrayList<>();
        private long lastLog;

        Listener(String id, FusionTrainer.Config c) {
            this.id = id;
            this.c = c;
        }

        @Override
        public void onBatch(int epoch, long done, long total, double loss, double accuracy) {
            long now = System.nanoTime();
            if (now - lastLog > 2_000_000_000L || done == total) {
                lastLog = now;
                int filled = (int) (20 * done / Math.max(1, total));
                Log.infof("epoch %d/%d [%s%s] %3d%% loss %.4f acc %.4f", epoch, c.epochs(), "#".repeat(filled),
                        "-".repeat(20 - filled), 100 * done / Math.max(1, total), loss, accuracy);
            }
        }

        @Override
        public void onEpoch(FusionTrainer.Epoch e) {
            history.add(e);
            List<FusionTrainer.Epoch> h = List.copyOf(history);
            update(id, r -> new TrainingRun(r.id(), r.dataset(), r.state(), "epoch " + e.epoch() + " of " + e.epochs(), e.epoch(),
                    e.epochs(), e.loss(), e.trainAccuracy(), e.validationAccuracy(), r.device(), r.trainSamples(),
                    r.validationSamples(), r.metrics(), h, r.modelVersion(), r.error(), r.startedMs(), r.finishedMs(), r.seconds()));
            Log.infof("epoch %d/%d: loss %.4f, train accuracy %.4f, validation accuracy %.4f, %.1f s, %,.0f samples/s",
                    e.epoch(), e.epochs(), e.loss(), e.trainAccuracy(), e.validationAccuracy(), e.seconds(), e.samplesPerSecond());
            output.event(id, Event.newBuilder().setTimestampMs(System.currentTimeMillis()).setTrainingProgress(
                    TrainingProgress.newBuilder().setRunId(id).setEpoch(e.epoch()).setEpochs(e.epochs()).setLoss(e.loss())
                            .setTrainAccuracy(e.trainAccuracy()).setValidationAccuracy(e.validationAccuracy())
                            .setSeconds(e.seconds()).setSamplesPerSecond(e.samplesPerSecond())).build());
        }

        @Override
        public void onPhase(String phase) {
            Log.info(phase);
        }
    }

    private void writeArtifacts(ModelRelease release, FusionTrainer.Result result) throws Exception {
        Path dir = config.artifactsDir().resolve(release.getVersion());
        Files.createDirectories(dir);
        Files.write(dir.resolve("model.onnx"), result.onnx());
        Files.write(dir.resolve("parameters.djl"), result.parameters());
        Map<String, Object> metrics = new java.util.LinkedHashMap<>();
        metrics.put("version", release.getVersion());
        metrics.put("dataset", release.getDataset());
        metrics.put("device", result.device());
        metrics.put("train_samples", result.trainSamples());
        metrics.put("validation_samples", result.validationSamples());
        metrics.put("embedding_dim", result.embeddingDim());
        metrics.put("metrics", result.metrics());
        metrics.put("epochs", result.epochs());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("metrics.json").toFile(), metrics);
        Path latestDir = config.artifactsDir().resolve("latest");
        Files.createDirectories(latestDir);
        for (String f : List.of("model.onnx", "parameters.djl", "metrics.json")) {
            Files.copy(dir.resolve(f), latestDir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public Optional<TrainingRun> run(String id) {
        return Optional.ofNullable(runs.get(id));
    }

    public synchronized List<TrainingRun> runs() {
        return order.stream().map(runs::get).toList();
    }

    public Optional<ModelRelease> latest() {
        return Optional.ofNullable(latest);
    }

    public boolean busy() {
        return current.get() != null;
    }

    @PreDestroy
    void stop() {
        executor.shutdownNow();
    }
}
