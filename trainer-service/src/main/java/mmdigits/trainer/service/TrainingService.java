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
import mmdigits.common.proto.TrainingQueued;
import mmdigits.common.rest.ProblemException;
import mmdigits.trainer.TrainingRequest;
import mmdigits.trainer.TrainingRun;
import mmdigits.trainer.config.TrainerConfig;
import mmdigits.trainer.messaging.KafkaOutput;
import mmdigits.trainer.messaging.TrainerLogs;
import mmdigits.trainer.messaging.TrainingQueue;
import mmdigits.trainer.messaging.TrainingSetReader;
import mmdigits.trainer.metrics.TrainerMetrics;
import mmdigits.trainer.registry.Registry;
import mmdigits.trainer.training.FusionConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Training runs across trainer replicas. The queue is {@code digits.events} itself: any replica
 * accepts a run (POST /trainings, or a published train split) by writing its {@code TrainingQueued}
 * event, and the one replica that holds the topic's single partition in the trainers' consumer
 * group (the {@code events} channel: {@link mmdigits.trainer.messaging.EventListener}) runs the
 * queued runs one at a time, in order ({@link QueueRunner}, each run by the {@link RunExecutor}). A
 * run executes once: only that replica runs it; when it goes away, the replica that takes the
 * partition over reads on from the last run it finished and runs an unfinished one again. Every
 * replica follows the run events into its {@link RunBook}, so any of them answers for any run.
 * Cancelling is an event too: the replica running the queue stops the run.
 */
@ApplicationScoped
public class TrainingService implements TrainingQueue {
    private static final DateTimeFormatter RUN_STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final Duration SYNC = Duration.ofSeconds(30);

    private final TrainerConfig config;
    private final KafkaOutput output;
    private final TrainerLogs logs;
    private final String instanceId;
    private final RunBook book;
    private final RunSettings settings;
    private final QueueRunner queue;

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
        this.settings = new RunSettings(config);
        RunExecutor executor =
                new RunExecutor(
                        reader,
                        output,
                        logs,
                        registry,
                        metrics,
                        new ArtifactWriter(config.artifactsDir()),
                        book,
                        this.instanceId);
        this.queue = new QueueRunner(book, settings, executor, this.instanceId);
        book.onCancelRequested(queue::onCancelRequested);
        metrics.watchRuns(book::countByState);
    }

    /** The run book follows digits.events from its start: every run of every replica, again. */
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
    @Override
    public Optional<TrainingRun> queueFor(DatasetPublished p) throws Exception {
        logs.events().sync(SYNC);
        String publication = p.getPublicationId().isEmpty() ? null : p.getPublicationId();
        if (publication != null && book.forPublication(publication).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(queue(TrainingRequest.of(p.getDataset()), publication));
    }

    private TrainingRun queue(TrainingRequest request, String publication) {
        String name = settings.modelName(request);
        FusionConfig c = settings.trainerConfig(request);
        String id = newRunId();
        TrainingQueued.Builder queued =
                RunMessages.queued(id, request.dataset(), name, c, instanceId);
        if (publication != null) {
            queued.setPublicationId(publication);
        }
        long now = System.currentTimeMillis();
        write(
                id,
                RunMessages.event(queued.build(), now),
                "Kafka did not accept the run (nothing was queued)");
        book.add(RunBook.queued(queued.build(), now));
        Log.infof(
                "run %s queued: dataset '%s', model '%s', %d epochs (%d waiting)",
                id, request.dataset(), name, c.epochs(), book.waiting());
        return book.run(id).orElseThrow();
    }

    /** The time it was queued and a random tail: ids sort by time and do not collide. */
    private static String newRunId() {
        return RUN_STAMP.format(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 4);
    }

    /**
     * Runs a queued run, on the replica that holds the training queue; returns when it has finished
     * (or was cancelled or handed over).
     */
    @Override
    public void runQueued(TrainingQueued q) throws Exception {
        logs.events().sync(SYNC);
        queue.run(q);
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
                RunMessages.cancelRequested(id, instanceId),
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

    /**
     * This replica holds the training queue ({@code true}) or no longer does: a run it was running
     * is handed over (the new holder runs it again).
     */
    @Override
    public void leading(boolean nowLeading) {
        queue.leading(nowLeading);
    }

    public Optional<TrainingRun> run(String id) {
        return book.run(id);
    }

    /** Every run kept, in the order they were queued; {@code dataset} filters when given. */
    public List<TrainingRun> runs(String dataset) {
        return book.runs(dataset);
    }
}
