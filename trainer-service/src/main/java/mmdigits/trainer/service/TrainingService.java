package mmdigits.trainer.service;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import mmdigits.common.kafka.InstanceId;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.TrainingCancelRequested;
import mmdigits.common.proto.TrainingQueued;
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
 * Training runs across trainer replicas. The queue is {@code digits.events} itself: any replica
 * accepts a run (POST /trainings, or a published train split) by writing its {@code TrainingQueued}
 * event, and the one replica that holds the topic's single partition in the trainers' consumer
 * group (the {@code events} channel: {@link mmdigits.trainer.messaging.EventListener}) runs the
 * queued runs one at a time, in order. A run executes once: only that replica runs it; when it goes
 * away, the replica that takes the partition over reads on from the last run it finished and runs
 * an unfinished one again. Every replica follows the run events into its {@link RunBook}, so any of
 * them answers for any run. Cancelling is an event too: the replica running the queue stops the
 * run.
 */
@ApplicationScoped
public class TrainingService {
    private static final DateTimeFormatter RUN_STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final Duration SYNC = Duration.ofSeconds(30);

    private final TrainerConfig config;
    private final KafkaOutput output;
    private final TrainerLogs logs;
    private final String instanceId;
    private final RunBook book;
    private final RunExecutor executor;
    private final Object queueLock = new Object();
    private String active;
    private boolean leading;

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
        this.output = output;
        this.logs = logs;
        this.instanceId = InstanceId.resolve(instanceId, httpPort);
        this.book = new RunBook(config.runsKept());
        this.executor =
                new RunExecutor(
                        config, reader, output, logs, registry, metrics, book, this.instanceId);
        book.onCancelRequested(this::onCancelRequested);
        metrics.watchRuns(book::countByState);
    }

    void onStart(@Observes StartupEvent ignored) {
        logs.events().handler(book);
        logs.start();
    }

    public String instanceId() {
        return instanceId;
    }

    /**
     * Queues a run (any replica).
     *
     * @throws ProblemException 429 when the queue is full, 503 when Kafka refuses the event
     */
    public TrainingRun start(TrainingRequest request) {
        if (book.waiting() >= Math.max(1, config.queueCapacity())) {
            throw ProblemException.tooManyRequests(
                    "the training queue is full ("
                            + book.waiting()
                            + " runs waiting, trainer.queue-capacity); "
                            + "try again when one has finished, or cancel one with DELETE /trainings/{id}");
        }
        return queue(request, null);
    }

    /**
     * Queues a run for a published train split (auto-train), once per publication: a redelivered
     * event, or one whose run another replica queued, finds its run. Never refused for a full
     * queue: the queue is the topic, and the publication would be lost.
     */
    public Optional<TrainingRun> queueFor(DatasetPublished p) throws Exception {
        logs.events().sync(SYNC);
        if (!p.getPublicationId().isEmpty()
                && book.forPublication(p.getPublicationId()).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(
                queue(
                        TrainingRequest.of(p.getDataset()),
                        p.getPublicationId().isEmpty() ? null : p.getPublicationId()));
    }

    private TrainingRun queue(TrainingRequest request, String publication) {
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
        long now = System.currentTimeMillis();
        write(
                id,
                Event.newBuilder().setTimestampMs(now).setTrainingQueued(queued),
                "Kafka did not accept the run (nothing was queued)");
        book.add(RunBook.queued(queued.build(), now));
        Log.infof(
                "run %s queued: dataset '%s', model '%s', %d epochs (%d waiting)",
                id, request.dataset(), name, c.epochs(), book.waiting());
        return book.run(id).orElseThrow();
    }

    /**
     * Runs a queued run, on the replica that holds the training queue; returns when it has finished
     * (or was cancelled or handed over). A finished run, or one this replica runs already, is
     * skipped; one cancelled before it started ends CANCELLED.
     */
    public void runQueued(TrainingQueued q) throws Exception {
        logs.events().sync(SYNC);
        String id = q.getRunId();
        synchronized (queueLock) {
            Optional<TrainingRun> run = book.run(id);
            if (run.isEmpty() || run.get().finished() || id.equals(active)) {
                return; // finished and forgotten, finished, or running here already
            }
            if (book.cancelRequested(id)) {
                executor.finish(id, TrainingRun.CANCELLED, "cancelled before it started");
                return;
            }
            active = id;
        }
        try {
            executor.execute(job(q));
        } finally {
            synchronized (queueLock) {
                active = null;
            }
        }
    }

    private RunExecutor.Job job(TrainingQueued q) {
        return new RunExecutor.Job(
                q.getRunId(),
                q.getDataset(),
                q.getModelName(),
                trainerConfig(
                        new TrainingRequest(
                                q.getDataset(),
                                q.getModelName(),
                                q.getEpochs(),
                                q.getBatchSize(),
                                (float) q.getLearningRate(),
                                q.getSeed(),
                                (float) q.getValidationFraction())));
    }

    /**
     * Asks for a run to be cancelled (any replica): the replica running the queue cancels a queued
     * run at once and stops the running one at its next batch.
     *
     * @throws ProblemException 404 unknown, 409 already finished, 503 Kafka refused the request
     */
    public TrainingRun cancel(String id) throws Exception {
        TrainingRun run =
                book.run(id).orElseThrow(() -> ProblemException.notFound("no training run " + id));
        if (run.finished()) {
            throw ProblemException.conflict(
                    "run " + id + " has already finished (" + run.state() + ")");
        }
        write(
                id,
                Event.newBuilder()
                        .setTimestampMs(System.currentTimeMillis())
                        .setTrainingCancelRequested(
                                TrainingCancelRequested.newBuilder()
                                        .setRunId(id)
                                        .setRequestedBy(instanceId)),
                "Kafka did not accept the cancellation");
        // once this replica has read its own request, a queued run it runs the queue for is
        // cancelled
        logs.events().sync(SYNC);
        return book.run(id).orElse(run);
    }

    /** An event a request depends on; @throws ProblemException 503 when Kafka does not take it */
    private void write(String key, Event.Builder event, String refused) {
        try {
            output.commit(List.of(KafkaOutput.event(key, event.build())));
        } catch (Exception e) {
            throw ProblemException.unavailable(refused + ": " + e.getMessage());
        }
    }

    /** A cancellation was asked for (on the events log's thread, every replica). */
    private void onCancelRequested(String id) {
        synchronized (queueLock) {
            if (id.equals(active)) {
                executor.cancel(id);
            } else if (leading
                    && book.run(id).map(r -> !r.finished() && !r.started()).orElse(false)) {
                executor.finish(id, TrainingRun.CANCELLED, "cancelled before it started");
            }
        }
    }

    /**
     * This replica holds the training queue ({@code true}) or no longer does: a run it was running
     * is handed over (the new holder runs it again).
     */
    public void leading(boolean nowLeading) {
        synchronized (queueLock) {
            if (leading != nowLeading) {
                Log.infof(
                        nowLeading
                                ? "%s runs the training queue"
                                : "%s no longer runs the training queue",
                        instanceId);
            }
            leading = nowLeading;
            if (!nowLeading && active != null) {
                executor.handOver(active);
            }
        }
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

    public Optional<TrainingRun> run(String id) {
        return book.run(id);
    }

    /** Every run kept, in the order they were queued; {@code dataset} filters when given. */
    public List<TrainingRun> runs(String dataset) {
        return book.runs(dataset);
    }
}
