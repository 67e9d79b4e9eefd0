package mmdigits.trainer.messaging;

import com.google.protobuf.InvalidProtocolBufferException;
import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.Split;
import mmdigits.trainer.config.TrainerConfig;
import mmdigits.trainer.service.TrainingService;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Queues a run when a train split is published (trainer.auto-train). The channel's consumer group
 * commits its offsets once an event is handled, so a split published while the trainer was down is
 * trained when it comes back; a redelivered event finds the run of its publication and queues none.
 * Undecodable events go to the dead-letter topic.
 */
@ApplicationScoped
public class EventListener {
    public static final String CHANNEL = "events";

    private final TrainingService service;
    private final TrainerConfig config;
    private final TrainerLogs logs;

    public EventListener(TrainingService service, TrainerConfig config, TrainerLogs logs) {
        this.service = service;
        this.config = config;
        this.logs = logs;
    }

    @Incoming(CHANNEL)
    @Blocking
    public void onEvent(byte[] value) throws InvalidProtocolBufferException, InterruptedException {
        Event event = Event.parseFrom(value);
        if (!event.hasDatasetPublished() || !config.autoTrain()) {
            return;
        }
        DatasetPublished p = event.getDatasetPublished();
        if (p.getSplit() != Split.TRAIN) {
            return;
        }
        // the runs of earlier processes must be known before deciding whether this publication has
        // one
        while (!logs.awaitCaughtUp(Duration.ofSeconds(10))) {
            Log.info("auto-train waits for digits.events to be read");
        }
        service.startFor(p)
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
}
