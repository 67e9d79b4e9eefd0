package mmdigits.trainer.messaging;

import com.google.protobuf.InvalidProtocolBufferException;
import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import mmdigits.common.Topics;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.Split;
import mmdigits.trainer.config.TrainerConfig;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The training queue: {@code digits.events} read by the trainers' consumer group. The topic has one
 * partition, so one trainer replica at a time holds it ({@link QueueLeadership}) and works the
 * queue in order: a published train split queues a run (trainer.auto-train), a queued run is run —
 * the handler returns when it has finished, so the group's committed offset never passes an
 * unfinished run and the replica that takes the partition over runs it again. Undecodable events go
 * to the dead-letter topic.
 */
@ApplicationScoped
public class EventListener {
    public static final String CHANNEL = "events";

    private final TrainingQueue queue;
    private final TrainerConfig config;
    private final TrainerLogs logs;
    private final KafkaOutput output;

    public EventListener(
            TrainingQueue queue, TrainerConfig config, TrainerLogs logs, KafkaOutput output) {
        this.queue = queue;
        this.output = output;
        this.config = config;
        this.logs = logs;
    }

    @Incoming(CHANNEL)
    @Blocking
    public void onEvent(byte[] value) throws Exception {
        Event event = parse(value);
        switch (event.getPayloadCase()) {
            case DATASET_PUBLISHED -> onPublished(event.getDatasetPublished());
            case TRAINING_QUEUED -> {
                awaitLogs();
                queue.runQueued(event.getTrainingQueued());
            }
            default -> {}
        }
    }

    /** An undecodable event is counted here and dead-lettered by the channel's strategy. */
    private Event parse(byte[] value) throws InvalidProtocolBufferException {
        try {
            return Event.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            output.countDeadLetter(Topics.EVENTS);
            throw e;
        }
    }

    private void onPublished(DatasetPublished p) throws Exception {
        if (p.getSplit() != Split.TRAIN || !config.autoTrain()) {
            return;
        }
        awaitLogs();
        queue.queueFor(p)
                .ifPresentOrElse(
                        run ->
                                Log.infof(
                                        "dataset '%s' published (%,d train samples, %s): queued run %s",
                                        p.getDataset(),
                                        p.getCount(),
                                        p.getPublicationId(),
                                        run.id()),
                        () ->
                                Log.infof(
                                        "dataset '%s' publication %s already has its run",
                                        p.getDataset(), p.getPublicationId()));
    }

    /** The runs of every replica must be known before deciding about one. */
    private void awaitLogs() throws InterruptedException {
        while (!logs.awaitCaughtUp(Duration.ofSeconds(10))) {
            Log.info("the training queue waits for digits.events to be read");
        }
    }
}
