package mmdigits.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.TrainingCancelRequested;
import mmdigits.common.proto.TrainingProgress;
import mmdigits.common.proto.TrainingQueued;
import mmdigits.common.proto.TrainingResult;
import mmdigits.common.proto.TrainingStarted;
import mmdigits.trainer.TrainingRun;
import org.junit.jupiter.api.Test;

/**
 * Every trainer replica's view of the runs from the same events: the same state whichever replica
 * accepted or runs a run, whatever arrives twice.
 */
class RunBookTest {
    long offset;
    final List<String> cancelsSeen = new ArrayList<>();

    TopicLog.Entry<Event> entry(Event.Builder e, long ts, boolean historical) {
        return new TopicLog.Entry<>(0, offset++, "k", e.setTimestampMs(ts).build(), historical);
    }

    static Event.Builder queued(String id, String publication) {
        return Event.newBuilder()
                .setTrainingQueued(
                        TrainingQueued.newBuilder()
                                .setRunId(id)
                                .setDataset("demo")
                                .setModelName("demo")
                                .setEpochs(3)
                                .setPublicationId(publication)
                                .setInstanceId("trainer-1"));
    }

    static Event.Builder started(String id, String instance) {
        return Event.newBuilder()
                .setTrainingStarted(
                        TrainingStarted.newBuilder().setRunId(id).setInstanceId(instance));
    }

    static Event.Builder epoch(String id, int epoch, double loss) {
        return Event.newBuilder()
                .setTrainingProgress(
                        TrainingProgress.newBuilder()
                                .setRunId(id)
                                .setEpoch(epoch)
                                .setEpochs(3)
                                .setLoss(loss));
    }

    static Event.Builder result(String id, String state, String version) {
        return Event.newBuilder()
                .setTrainingResult(
                        TrainingResult.newBuilder()
                                .setRunId(id)
                                .setState(state)
                                .setModelVersion(version));
    }

    static Event.Builder cancel(String id) {
        return Event.newBuilder()
                .setTrainingCancelRequested(TrainingCancelRequested.newBuilder().setRunId(id));
    }

    RunBook book() {
        RunBook b = new RunBook(100);
        b.onCancelRequested(cancelsSeen::add);
        return b;
    }

    @Test
    void aRunStartedOverOnAnotherInstanceForgetsTheEpochsOfTheFirstAttempt() {
        RunBook b = book();
        b.on(entry(queued("r1", "demo/train/1"), 1000, true));
        b.on(entry(started("r1", "trainer-0"), 2000, true));
        b.on(entry(epoch("r1", 1, 0.9), 3000, true));
        b.on(entry(epoch("r1", 1, 0.9), 3000, true)); // the same epoch again: one
        b.on(entry(epoch("r1", 2, 0.5), 4000, true));
        TrainingRun first = b.run("r1").orElseThrow();
        assertThat(first.instance()).isEqualTo("trainer-0");
        assertThat(first.history()).extracting(e -> e.epoch()).containsExactly(1, 2);
        assertThat(b.forPublication("demo/train/1")).contains(first);

        // trainer-0 went away; trainer-1 took the queue over and runs it again
        b.on(entry(started("r1", "trainer-1"), 9000, false));
        b.on(entry(started("r1", "trainer-1"), 9000, false)); // a second notice: no change
        b.on(entry(epoch("r1", 1, 0.8), 10_000, false));
        TrainingRun again = b.run("r1").orElseThrow();
        assertThat(again.instance()).isEqualTo("trainer-1");
        assertThat(again.startedMs()).isEqualTo(9000);
        assertThat(again.history()).extracting(e -> e.loss()).containsExactly(0.8);
        assertThat(again.state()).isEqualTo(TrainingRun.TRAINING);
    }

    @Test
    void theFirstResultWinsAndAFinishedRunStaysAsItEnded() {
        RunBook b = book();
        b.on(entry(queued("r1", ""), 1000, false));
        b.on(entry(started("r1", "trainer-0"), 2000, false));
        b.on(entry(result("r1", "RELEASED", "r1"), 5000, false));
        b.on(entry(result("r1", "FAILED", ""), 6000, false));
        b.on(entry(epoch("r1", 3, 0.1), 7000, false));
        TrainingRun r = b.run("r1").orElseThrow();
        assertThat(r.state()).isEqualTo(TrainingRun.RELEASED);
        assertThat(r.modelVersion()).isEqualTo("r1");
        assertThat(r.seconds()).isEqualTo(3.0);
        assertThat(r.history()).isEmpty();
        assertThat(r.publication()).isNull();
    }

    @Test
    void aReleasedResultCarriesWhatTheRunTrainedOnWhicheverUpdateComesFirst() {
        RunBook b = book();
        b.on(entry(queued("r1", ""), 1000, false));
        b.on(entry(started("r1", "trainer-0"), 2000, false));
        Event.Builder released = result("r1", "RELEASED", "r1");
        released.getTrainingResultBuilder()
                .setTrainSamples(270)
                .setValidationSamples(30)
                .setDevice("cpu()")
                .putMetrics("validation_accuracy", 0.9);
        // the event came back before the releasing replica updated its own run: it is complete
        b.on(entry(released, 5000, false));
        b.update(
                "r1",
                r -> r.toBuilder().finished(TrainingRun.FAILED, 6000).error("too late").build());
        TrainingRun r = b.run("r1").orElseThrow();
        assertThat(r.state()).isEqualTo(TrainingRun.RELEASED);
        assertThat(r.trainSamples()).isEqualTo(270);
        assertThat(r.validationSamples()).isEqualTo(30);
        assertThat(r.device()).isEqualTo("cpu()");
        assertThat(r.metrics()).containsEntry("validation_accuracy", 0.9);
    }

    @Test
    void waitingCountsQueuedRunsOfEveryReplicaAndCancellationsAreReportedOnlyLive() {
        RunBook b = book();
        b.on(entry(queued("r1", ""), 1000, true));
        b.on(entry(queued("r2", ""), 1000, true));
        b.on(entry(queued("r3", ""), 1000, true));
        b.on(entry(started("r1", "trainer-0"), 2000, true));
        b.on(entry(cancel("r2"), 2500, true)); // before this process: found, not reported
        assertThat(b.waiting()).isEqualTo(2);
        assertThat(b.cancelRequested("r2")).isTrue();
        assertThat(b.run("r2").orElseThrow().phase()).isEqualTo("cancelling");
        assertThat(cancelsSeen).isEmpty();
        b.on(entry(cancel("r3"), 3000, false));
        assertThat(cancelsSeen).containsExactly("r3");
        b.on(entry(result("r3", "CANCELLED", ""), 3100, false));
        assertThat(b.waiting()).isEqualTo(1);
        assertThat(b.countByState())
                .containsEntry(TrainingRun.QUEUED, 1L)
                .containsEntry(TrainingRun.LOADING, 1L)
                .containsEntry(TrainingRun.CANCELLED, 1L);
    }

    @Test
    void theOldestFinishedRunsBeyondTheLimitAreForgotten() {
        RunBook b = new RunBook(2);
        b.on(entry(queued("r1", ""), 1000, false));
        b.on(entry(result("r1", "FAILED", ""), 1100, false));
        b.on(entry(queued("r2", ""), 1200, false));
        b.on(entry(queued("r3", ""), 1300, false));
        assertThat(b.runs(null)).extracting(TrainingRun::id).containsExactly("r2", "r3");
        b.on(entry(queued("r4", ""), 1400, false)); // nothing finished to forget: kept
        assertThat(b.runs(null)).extracting(TrainingRun::id).containsExactly("r2", "r3", "r4");
    }
}
