package mmdigits.trainer.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import com.google.protobuf.InvalidProtocolBufferException;

import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.annotations.Blocking;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.Split;
import mmdigits.common.rest.ProblemException;
import mmdigits.trainer.config.TrainerConfig;
import mmdigits.trainer.service.TrainingService;

/** Starts a run when a train split is published (trainer.auto-train). Undecodable events go to the dead-letter topic. */
@ApplicationScoped
public class EventListener {
    public static final String CHANNEL = "events";

    private final TrainingService service;
    private final TrainerConfig config;

    public EventListener(TrainingService service, TrainerConfig config) {
        this.service = service;
        this.config = config;
    }

    @Incoming(CHANNEL)
    @Blocking
    public void onEvent(byte[] value) throws InvalidProtocolBufferException {
        Event event = Event.parseFrom(value);
        if (!event.hasDatasetPublished() || !config.autoTrain()) {
            return;
        }
        DatasetPublished p = event.getDatasetPublished();
        if (p.getSplit() != Split.TRAIN) {
            return;
        }
        try {
            var run = service.start(new TrainingService.Request(p.getDataset(), null, null, null, null, null));
            Log.infof("dataset '%s' published (%,d train samples): started run %s", p.getDataset(), p.getCount(), run.id());
        } catch (ProblemException busy) {
            Log.warnf("dataset '%s' published while %s; not starting another run", p.getDataset(), busy.getMessage());
        }
    }
}
