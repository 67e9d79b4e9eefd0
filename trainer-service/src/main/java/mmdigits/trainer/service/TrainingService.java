package mmdigits.trainer.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.protobuf.ByteString;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import mmdigits.common.kafka.InstanceId;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.proto.Split;
import mmdigits.common.proto.TrainingProgress;
import mmdigits.common.proto.TrainingQueued;
import mmdigits.common.proto.TrainingResult;
import mmdigits.common.proto.TrainingStarted;
import mmdigits.common.rest.ProblemException;
import mmdigits.common.sample.SampleIds;
import mmdigits.trainer.TrainingRequest;
import mmdigits.trainer.TrainingRun;
import mmdigits.trainer.config.TrainerConfig;
import mmdigits.trainer.messaging.KafkaOutput;
import mmdigits.trainer.messaging.TrainerLogs;
import mmdigits.trainer.messaging.TrainingSetReader;
import mmdigits.trainer.metrics.TrainerMetrics;
import mmdigits.trainer.registry.Registry;
import mmdigits.trainer.training.Augmentation;
import mmdigits.trainer.training.FusionSpec;
import mmdigits.trainer.training.FusionTrainer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Training runs: a bounded queue worked off one run at a time (load the dataset's train split,
 * train, export, check, register with the gate's decision). Every step is an event on {@code
 * digits.events} (queued, started, one per epoch, the result), from which a restarted trainer
 * rebuilds its list of runs: its runs that were still queued are resumed, a run it was in the
 * middle of is marked failed.
 */
@ApplicationScoped
public class TrainingService {
    /** A run waiting for the trainer. */
    private record Job(String id, String dataset, String modelName, FusionTrainer.Config config) {}

    private static final DateTimeFormatter RUN_STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final TrainerConfig config;
    private final TrainingSetReader reader;
    private final KafkaOutput output;
    private final TrainerLogs logs;
    private final Registry registry;
    private final TrainerMetrics metrics;
    private final String instanceId;
    private final Map<String, TrainingRun> runs = new LinkedHashMap<>();
    private final Map<String, Job> replayedJobs = new LinkedHashMap<>();
    private final Map<String, String> owners = new ConcurrentHashMap<>();
    private final LinkedBlockingDeque<Job> queue;
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    private final AtomicReference<String> active = new AtomicReference<>();
    private volatile boolean running = true;

    public TrainingService(
            TrainerConfig config,
            TrainingSetReader reader,
            KafkaOutput output,
            TrainerLogs logs,
            Registry registry,
            TrainerMetrics metrics,
            @ConfigProperty(name = "mmdigits.instance-id") Optional<String> instanceId,
            @ConfigProperty(name = "quarkus.http.port") int httpPort) {
        this.config = config;
        this.reader = reader;
        this.output = output;
        this.logs = logs;
        this.registry = registry;
        this.instanceId = InstanceId.resolve(instanceId, httpPort);
        this.queue = new LinkedBlockingDeque<>(Math.max(1, config.queueCapacity()));
        this.metrics = metrics;
        metrics.watchRuns(this::countByState);
    }

    private synchronized Map<String, Long> countByState() {
        return runs.values().stream()
                .collect(Collectors.groupingBy(TrainingRun::state, Collectors.counting()));
    }

    void onStart(@Observes StartupEvent ignored) {
        logs.events().handler(this::replay);
        logs.start();
        Thread worker = new Thread(this::work, "training");
        worker.setDaemon(true);
        worker.start();
    }

    /**
     * Queues a run; @throws ProblemException 429 when the queue is full, 503 when Kafka refuses the
     * event
     */
    public TrainingRun start(TrainingRequest request) {
        return start(request, null);
    }

    private synchronized TrainingRun start(TrainingRequest request, String publication) {
        if (queue.remainingCapacity() == 0) {
            throw ProblemException.tooManyRequests(
                    "the training queue is full ("
                            + queue.size()
                            + " runs waiting, trainer.queue-capacity); "
                            + "try again when one has finished, or cancel one with DELETE /trainings/{id}");
        }
        String name = modelName(request);
        FusionTrainer.Config c = trainerConfig(request);
        String id =
                RUN_STAMP.format(Instant.now())
                        + "-"
                        + UUID.randomUUID().toString().substring(0, 4);
        TrainingQueued.Builder queued =
                TrainingQueued.newBuilder()
                        .setRunId(id)
                        .setDataset(request.dataset())
                        .setModelName(name)
                        .setEpochs(c.epochs())
                        .setBatchSize(c.batchSize())
                        .setLearningRate(c.learningRate())
                        .setSeed(c.seed())
                        .setValidationFraction(c.validationFraction())
                        .setInstanceId(instanceId);
        if (publication != null) {
            queued.setPublicationId(publication);
        }
        try {
            output.commit(
                    List.of(
                            KafkaOutput.event(
                                    id,
                                    Event.newBuilder()
                                            .setTimestampMs(System.currentTimeMillis())
                                            .setTrainingQueued(queued)
                                            .build())));
        } catch (Exception e) {
            throw ProblemException.unavailable(
                    "Kafka did not accept the run (nothing was queued): " + e.getMessage());
        }
        TrainingRun run =
                TrainingRun.queued(
                        id,
                        request.dataset(),
                        name,
                        c.epochs(),
                        publication,
                        System.currentTimeMillis());
        put(run);
        owners.put(id, instanceId);
        queue.add(new Job(id, request.dataset(), name, c));
        Log.infof(
                "run %s queued: dataset '%s', model '%s', %d epochs (%d waiting)",
                id, request.dataset(), name, c.epochs(), queue.size());
        return run;
    }

    /**
     * Queues a run for a published train split (auto-train), once per publication: a redelivered
     * event finds its run. Waits while the queue is full, so that no publication is dropped.
     */
    public Optional<TrainingRun> startFor(DatasetPublished p) throws InterruptedException {
        while (running) {
            synchronized (this) {
                Optional<TrainingRun> existing =
                        runs.values().stream()
                                .filter(
                                        r ->
                                                !p.getPublicationId().isEmpty()
                                                        && p.getPublicationId()
                                                                .equals(r.publication()))
                                .findFirst();
                if (existing.isPresent()) {
                    return Optional.empty();
                }
                if (queue.remainingCapacity() > 0) {
                    return Optional.of(
                            start(
                                    TrainingRequest.of(p.getDataset()),
                                    p.getPublicationId().isEmpty() ? null : p.getPublicationId()));
                }
            }
            Thread.sleep(1000);
        }
        return Optional.empty();
    }

    /**
     * Cancels a queued run at once, or the running one at its next batch (nothing is released).
     *
     * @throws ProblemException 404 unknown, 409 already finished
     */
    public synchronized TrainingRun cancel(String id) {
        TrainingRun run =
                run(id).orElseThrow(() -> ProblemException.notFound("no training run " + id));
        if (run.finished()) {
            throw ProblemException.conflict(
                    "run " + id + " has already finished (" + run.state() + ")");
        }
        if (queue.removeIf(j -> j.id().equals(id))) {
            finish(id, TrainingRun.CANCELLED, "cancelled before it started");
            return runs.get(id);
        }
        cancelled.add(id);
        return run.withState(run.state(), "cancelling");
    }

    String modelName(TrainingRequest r) {
        String name = r.model() != null ? r.model() : config.modelName().orElse(r.dataset());
        if (!SampleIds.isValidDataset(name)) {
            throw ProblemException.badRequest(
                    "model: must be 1-100 characters of letters, digits, '.', '_' or '-', got '"
                            + name
                            + "'",
                    "model");
        }
        return name;
    }

    FusionTrainer.Config trainerConfig(TrainingRequest r) {
        FusionTrainer.Config c =
                FusionTrainer.Config.defaults()
                        .optEpochs(config.epochs())
                        .optBatchSize(config.batchSize())
                        .optLearningRate(config.learningRate())
                        .optSeed(config.seed())
                        .optValidationFraction(config.validationFraction())
                        .optModalityDropout(config.modalityDropout())
                        .optSpec(
                                "small".equals(config.model())
                                        ? FusionSpec.small()
                                        : FusionSpec.standard())
                        .optAugmentation(
                                config.augment() ? Augmentation.standard() : Augmentation.none());
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

    private void work() {
        try {
            while (running && !logs.awaitCaughtUp(Duration.ofSeconds(10))) {
                Log.info("waiting for digits.events and digits.models to be read before training");
            }
            recoverInterrupted();
            while (running) {
                Job job = queue.pollFirst(1, TimeUnit.SECONDS);
                if (job != null) {
                    execute(job);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs of this instance that an earlier process left unfinished: queued ones are resumed, a
     * started one failed.
     */
    private void recoverInterrupted() {
        List<TrainingRun> unfinished;
        synchronized (this) {
            unfinished =
                    runs.values().stream()
                            .filter(r -> !r.finished() && instanceId.equals(owners.get(r.id())))
                            .toList();
        }
        for (TrainingRun r : unfinished) {
            if (r.started()) {
                Log.warnf(
                        "run %s was interrupted (the trainer stopped during it): marked failed",
                        r.id());
                finish(
                        r.id(),
                        TrainingRun.FAILED,
                        "interrupted: the trainer stopped during the run; start it again");
            } else if (replayedJobs.containsKey(r.id()) && queue.offer(replayedJobs.get(r.id()))) {
                Log.infof("run %s resumes its place in the queue", r.id());
            }
        }
        replayedJobs.clear();
    }

    private void execute(Job job) {
        String id = job.id();
        active.set(id);
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
            update(id, r -> r.withStarted(started));
            TrainingSetReader.Read read =
                    reader.read(job.dataset(), logs.catalog().latest(job.dataset(), Split.TRAIN));
            checkCancelled(id);
            update(id, r -> r.withState(TrainingRun.TRAINING, "training"));
            FusionTrainer.Result result =
                    FusionTrainer.train(read.set(), job.config(), new Listener(id, job.config()));
            update(id, r -> r.withState(TrainingRun.EXPORTING, "registering"));
            ModelRelease release = release(job, result);
            writeArtifacts(release, result);
            Event.Builder resultEvent =
                    Event.newBuilder()
                            .setTimestampMs(System.currentTimeMillis())
                            .setTrainingResult(
                                    TrainingResult.newBuilder()
                                            .setRunId(id)
                                            .setDataset(job.dataset())
                                            .setModelName(job.modelName())
                                            .setModelVersion(release.getVersion())
                                            .setState(TrainingRun.RELEASED)
                                            .putAllMetrics(result.metrics()));
            Registry.Decision d =
                    registry.release(
                            release,
                            resultEvent,
                            onnx -> Registry.accuracy(onnx, read.set(), result.validationRows()));
            copyToLatest(release.getVersion());
            metrics.released(
                    job.dataset(),
                    job.modelName(),
                    result.metrics().getOrDefault("validation_accuracy", Double.NaN),
                    d.promote());
            update(
                    id,
                    r ->
                            r.released(
                                    result,
                                    release.getVersion(),
                                    d.promote(),
                                    d.reason(),
                                    System.currentTimeMillis()));
            Log.infof(
                    "run %s released model %s/%s: %s",
                    id, job.modelName(), release.getVersion(), result.metrics());
        } catch (CancellationException e) {
            Log.infof("run %s cancelled", id);
            finish(
                    id,
                    TrainingRun.CANCELLED,
                    "cancelled while " + run(id).map(TrainingRun::phase).orElse("running"));
        } catch (Exception | Error e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            Log.errorf(e, "run %s failed: %s", id, reason);
            finish(id, TrainingRun.FAILED, reason);
        } finally {
            active.set(null);
            cancelled.remove(id);
        }
    }

    private ModelRelease release(Job job, FusionTrainer.Result result) {
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

    private void checkCancelled(String id) {
        if (cancelled.contains(id)) {
            throw new CancellationException(id);
        }
    }

    /** A run ends without a release: its state, and a TrainingResult event saying so. */
    private void finish(String id, String state, String reason) {
        update(id, r -> r.ended(state, reason, System.currentTimeMillis()));
        TrainingRun r = run(id).orElseThrow();
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
     * Runs of earlier processes, from the events that were on digits.events when this one started.
     */
    private synchronized void replay(TopicLog.Entry<Event> e) {
        if (!e.historical() || e.value() == null) {
            return;
        }
        Event ev = e.value();
        long ts = ev.getTimestampMs();
        switch (ev.getPayloadCase()) {
            case TRAINING_QUEUED -> replayQueued(ev.getTrainingQueued(), ts);
            case TRAINING_STARTED ->
                    update(ev.getTrainingStarted().getRunId(), r -> r.withStarted(ts));
            case TRAINING_PROGRESS -> {
                TrainingProgress p = ev.getTrainingProgress();
                update(
                        p.getRunId(),
                        r -> {
                            List<FusionTrainer.Epoch> h = new ArrayList<>(r.history());
                            FusionTrainer.Epoch epoch =
                                    new FusionTrainer.Epoch(
                                            p.getEpoch(),
                                            p.getEpochs(),
                                            p.getLoss(),
                                            p.getTrainAccuracy(),
                                            p.getValidationAccuracy(),
                                            p.getSeconds(),
                                            p.getSamplesPerSecond());
                            h.add(epoch);
                            return r.withEpoch(epoch, List.copyOf(h));
                        });
            }
            case TRAINING_RESULT -> {
                TrainingResult t = ev.getTrainingResult();
                String state =
                        !t.getState().isEmpty()
                                ? t.getState()
                                : t.getModelVersion().isEmpty()
                                        ? TrainingRun.FAILED
                                        : TrainingRun.RELEASED;
                update(
                        t.getRunId(),
                        r ->
                                r.recorded(
                                        state,
                                        t.getModelVersion(),
                                        t.getMetricsMap(),
                                        t.getModelVersion().isEmpty() ? null : t.getPromoted(),
                                        t.getPromotionReason(),
                                        t.getError(),
                                        ts));
                replayedJobs.remove(t.getRunId());
            }
            default -> {}
        }
    }

    private synchronized void replayQueued(TrainingQueued q, long ts) {
        put(
                TrainingRun.queued(
                        q.getRunId(),
                        q.getDataset(),
                        q.getModelName(),
                        q.getEpochs(),
                        q.getPublicationId().isEmpty() ? null : q.getPublicationId(),
                        ts));
        owners.put(q.getRunId(), q.getInstanceId());
        if (q.getInstanceId().equals(instanceId)) {
            FusionTrainer.Config c =
                    trainerConfig(
                            new TrainingRequest(
                                    q.getDataset(),
                                    q.getModelName(),
                                    q.getEpochs(),
                                    q.getBatchSize(),
                                    (float) q.getLearningRate(),
                                    q.getSeed(),
                                    (float) q.getValidationFraction()));
            replayedJobs.put(
                    q.getRunId(), new Job(q.getRunId(), q.getDataset(), q.getModelName(), c));
        }
    }

    /** Adds a run; the oldest finished runs beyond {@code trainer.runs-kept} are forgotten. */
    private synchronized void put(TrainingRun run) {
        runs.put(run.id(), run);
        var it = runs.entrySet().iterator();
        int excess = runs.size() - Math.max(1, config.runsKept());
        while (excess > 0 && it.hasNext()) {
            var entry = it.next();
            if (entry.getValue().finished()) {
                it.remove();
                owners.remove(entry.getKey());
                excess--;
            }
        }
    }

    private synchronized void update(String id, UnaryOperator<TrainingRun> f) {
        runs.computeIfPresent(id, (k, v) -> f.apply(v));
    }

    /**
     * Progress: a log line per epoch with a bar, an event per epoch, the run's state; a cancelled
     * run stops at its next batch.
     */
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
            checkCancelled(id);
            long now = System.nanoTime();
            if (now - lastLog > 2_000_000_000L || done == total) {
                lastLog = now;
                update(id, r -> r.withEpochProgress(done / (double) Math.max(1, total)));
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
            history.add(e);
            metrics.epoch(e);
            List<FusionTrainer.Epoch> h = List.copyOf(history);
            update(id, r -> r.withEpoch(e, h));
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
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("name", release.getName());
        metrics.put("version", release.getVersion());
        metrics.put("dataset", release.getDataset());
        metrics.put("device", result.device());
        metrics.put("train_samples", result.trainSamples());
        metrics.put("validation_samples", result.validationSamples());
        metrics.put("embedding_dim", result.embeddingDim());
        metrics.put("metrics", result.metrics());
        metrics.put("epochs", result.epochs());
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(dir.resolve("metrics.json").toFile(), metrics);
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

    public synchronized Optional<TrainingRun> run(String id) {
        return Optional.ofNullable(runs.get(id));
    }

    /** Every run kept, in the order they were queued; {@code dataset} filters when given. */
    public synchronized List<TrainingRun> runs(String dataset) {
        return runs.values().stream()
                .filter(r -> dataset == null || dataset.equals(r.dataset()))
                .toList();
    }

    public boolean busy() {
        return active.get() != null;
    }

    public int queued() {
        return queue.size();
    }

    @PreDestroy
    void stop() {
        running = false;
    }
}
