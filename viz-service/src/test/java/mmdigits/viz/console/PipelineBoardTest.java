package mmdigits.viz.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.Random;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ScoringRequested;
import mmdigits.common.proto.Split;
import mmdigits.common.proto.TrainingResult;
import mmdigits.common.proto.TrainingStarted;
import mmdigits.viz.VizFixtures;
import mmdigits.viz.console.ConsoleView.JobView;
import mmdigits.viz.console.ConsoleView.RunView;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The board's rules where the topics' interleaving matters: embeddings read before their job are
 * counted once it appears; a second test split of the same dataset is a job of its own, counted
 * after the first is done; a run started over on another instance loses the epochs of its first
 * attempt; a finished run changes no more.
 */
class PipelineBoardTest {
    private final PipelineBoard board = new PipelineBoard();
    private long offset;

    private void on(ProducerRecord<String, byte[]> r) throws Exception {
        board.onEvent(
                new TopicLog.Entry<>(0, offset++, r.key(), Event.parseFrom(r.value()), false));
    }

    private void on(Event.Builder e) {
        board.onEvent(new TopicLog.Entry<>(0, offset++, "k", e.build(), false));
    }

    private void scored(String version, int from, int to) {
        Random r = new Random(1);
        for (int row = from; row < to; row++) {
            board.onEmbedding(VizFixtures.embedding("d", version, row, true, r));
        }
    }

    private JobView job(String version, String publication) {
        return board.snapshot().jobs().stream()
                .filter(j -> j.version().equals(version) && j.publication().equals(publication))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void embeddingsReadBeforeTheirJobCountOnceItAppears() throws Exception {
        on(ConsoleEvents.published("d", Split.TEST, 10, "t1", 1));
        scored("v1", 0, 4);
        assertThat(board.snapshot().jobs()).isEmpty();
        on(ConsoleEvents.released("run", "v1", "d", 0.9, 2));
        assertThat(job("v1", "t1"))
                .extracting(JobView::scored, JobView::remaining, JobView::state)
                .containsExactly(4L, 6L, "SCORING");
        scored("v1", 4, 10);
        assertThat(job("v1", "t1"))
                .extracting(JobView::scored, JobView::remaining, JobView::state)
                .containsExactly(10L, 0L, "DONE");
    }

    @Test
    void aLaterTestSplitIsAJobOfItsOwnCountedAfterTheFirst() throws Exception {
        on(ConsoleEvents.published("d", Split.TEST, 3, "t1", 1));
        on(ConsoleEvents.released("run", "v1", "d", 0.9, 2));
        on(ConsoleEvents.published("d", Split.TEST, 5, "t2", 3));
        scored("v1", 0, 3);
        scored("v1", 0, 2);
        assertThat(job("v1", "t1").state()).isEqualTo("DONE");
        assertThat(job("v1", "t2"))
                .extracting(JobView::scored, JobView::expected, JobView::requestedBy)
                .containsExactly(2L, 5L, "release of v1");
        // a request of the same pair is no second job; another version's request is one
        on(
                Event.newBuilder()
                        .setScoringRequested(
                                ScoringRequested.newBuilder()
                                        .setName("d")
                                        .setVersion("v1")
                                        .setDataset("d")
                                        .setPublicationId("t1")));
        on(
                Event.newBuilder()
                        .setScoringRequested(
                                ScoringRequested.newBuilder()
                                        .setName("other")
                                        .setVersion("v9")
                                        .setDataset("d")
                                        .setRequestedBy("alias digits")
                                        .setPublicationId("t1")));
        assertThat(board.snapshot().jobs())
                .extracting(j -> j.version() + "|" + j.publication())
                .containsExactly("v9|t1", "v1|t2", "v1|t1");
        assertThat(job("v9", "t1").requestedBy()).isEqualTo("alias digits");
    }

    @Test
    void aRunStartedOverLosesItsEpochsAndAFinishedRunStaysAsItEnded() throws Exception {
        on(ConsoleEvents.queued("r", "d", 3, 1));
        on(ConsoleEvents.started("r", 2));
        on(ConsoleEvents.progress("r", 1, 3));
        on(
                Event.newBuilder()
                        .setTimestampMs(5)
                        .setTrainingStarted(
                                TrainingStarted.newBuilder()
                                        .setRunId("r")
                                        .setInstanceId("trainer-1")));
        RunView again = board.snapshot().runs().get(0);
        assertThat(again)
                .extracting(RunView::state, RunView::epoch, RunView::instance, RunView::startedMs)
                .containsExactly("LOADING", 0, "trainer-1", 5L);
        on(
                Event.newBuilder()
                        .setTimestampMs(9)
                        .setTrainingResult(
                                TrainingResult.newBuilder()
                                        .setRunId("r")
                                        .setState("FAILED")
                                        .setError("out of memory")));
        on(ConsoleEvents.progress("r", 2, 3));
        RunView ended = board.snapshot().runs().get(0);
        assertThat(ended)
                .extracting(RunView::state, RunView::epoch, RunView::error, RunView::finishedMs)
                .containsExactly("FAILED", 0, "out of memory", 9L);
        assertThat(ended.modelVersion()).isNull();
    }

    @Test
    void datasetsListTheirPublicationsNewestFirstAndTheNewestDatasetFirst() throws Exception {
        on(ConsoleEvents.published("a", Split.TRAIN, 3, "a1", 1));
        on(ConsoleEvents.published("b", Split.TEST, 4, "b1", 2));
        on(
                Event.newBuilder()
                        .setTimestampMs(7)
                        .setDatasetPublished(
                                DatasetPublished.newBuilder()
                                        .setDataset("a")
                                        .setSplit(Split.TEST)
                                        .setCount(5)
                                        .setPublicationId("a2")));
        assertThat(board.snapshot().datasets())
                .extracting(ConsoleView.DatasetView::name)
                .containsExactly("a", "b");
        assertThat(board.snapshot().datasets().get(0).publications())
                .extracting(
                        ConsoleView.PublicationView::id, ConsoleView.PublicationView::publishedMs)
                .containsExactly(tuple("a2", 7L), tuple("a1", 1L));
    }
}
