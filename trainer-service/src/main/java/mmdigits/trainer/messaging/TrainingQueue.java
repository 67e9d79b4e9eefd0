package mmdigits.trainer.messaging;

import java.util.Optional;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.TrainingQueued;
import mmdigits.trainer.TrainingRun;

/**
 * The training queue as the {@code events} channel drives it ({@link EventListener}, {@link
 * QueueLeadership}); the service implements it. Declared here so that the arrow runs one way:
 * {@code service} uses messaging's Kafka clients, and messaging does not import {@code service}.
 */
public interface TrainingQueue {
    /**
     * Queues a run for a published train split, once per publication; empty when the publication
     * has its run already.
     */
    Optional<TrainingRun> queueFor(DatasetPublished published) throws Exception;

    /** Runs a queued run on this replica; returns when it has finished, stopped or was skipped. */
    void runQueued(TrainingQueued queued) throws Exception;

    /** This replica holds the queue ({@code true}) or no longer does. */
    void leading(boolean nowLeading);
}
