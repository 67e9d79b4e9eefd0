package mmdigits.inference.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import mmdigits.common.events.Catalog;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.PartitionRange;
import mmdigits.common.proto.ScoringRequested;
import mmdigits.common.proto.Split;
import mmdigits.common.proto.TrainingResult;
import org.junit.jupiter.api.Test;

/** Which versions score which splits: the jobs every replica derives alike from the same events. */
class JobBookTest {
    final List<Event> log = new ArrayList<>();

    static Event published(String dataset, Split split, String publication) {
        DatasetPublished.Builder d =
                DatasetPublished.newBuilder()
                        .setDataset(dataset)
                        .setSplit(split)
                        .setCount(10)
                        .setPublicationId(publication);
        if (publication != null && !publication.isEmpty()) {
            d.addRanges(
                    PartitionRange.newBuilder()
                            .setPartition(0)
                            .setFirstOffset(0)
                            .setLastOffset(9)
                            .setCount(10));
        }
        return Event.newBuilder().setDatasetPublished(d).build();
    }

    static Event released(String dataset, String version) {
        return Event.newBuilder()
                .setTrainingResult(
                        TrainingResult.newBuilder()
                                .setDataset(dataset)
                                .setModelName(dataset)
                                .setModelVersion(version)
                                .setState("RELEASED"))
                .build();
    }

    /** What AliasScoring writes for a split waiting for the alias' target. */
    static Event forAlias(String version, String dataset, String publication) {
        return Event.newBuilder()
                .setScoringRequested(
                        ScoringRequested.newBuilder()
                                .setVersion(version)
                                .setDataset(dataset)
                                .setPublicationId(publication))
                .build();
    }

    static Event requested(String version, String dataset) {
        return Event.newBuilder()
                .setScoringRequested(
                        ScoringRequested.newBuilder().setVersion(version).setDataset(dataset))
                .build();
    }

    /** A replica's book after reading the log (handlers in the services' order). */
    JobBook read() {
        Catalog catalog = new Catalog();
        JobBook book = new JobBook(catalog);
        for (int i = 0; i < log.size(); i++) {
            TopicLog.Entry<Event> e = new TopicLog.Entry<>(0, i, "k", log.get(i), true);
            catalog.on(e);
            book.on(e);
        }
        return book;
    }

    static List<String> waiting(JobBook book) {
        return book.awaitingAlias().stream().map(p -> p.id()).toList();
    }

    static List<String> jobs(JobBook book) {
        return book.after(-1).stream()
                .map(j -> j.version() + " on " + j.publication().id())
                .toList();
    }

    @Test
    void eachSplitIsScoredByTheAliasTargetAskedForAndByItsOwnModelOnce() {
        log.add(published("demo", Split.TRAIN, "demo/train/1"));
        log.add(published("demo", Split.TEST, "demo/test/1")); // waits for the alias' target
        log.add(released("demo", "v1")); // its own dataset's split
        // v1 was promoted; a replica asks for the waiting split: already scored by v1
        log.add(forAlias("v1", "demo", "demo/test/1"));
        log.add(published("other", Split.TEST, "other/test/1"));
        log.add(forAlias("v1", "other", "other/test/1")); // the alias' target scores it
        log.add(released("other", "v2")); // v2 scores its own dataset's split, only that
        log.add(published("other", Split.TEST, "other/test/2")); // other's own v2 scores it
        log.add(forAlias("v1", "other", "other/test/2")); // and the alias' v1
        log.add(forAlias("v1", "other", "other/test/2")); // a second replica asked too: no job
        log.add(requested("v2", "demo")); // on request: the dataset's latest test split
        log.add(requested("v2", "demo")); // asked again: nothing new
        log.add(published("old", Split.TEST, "")); // an older format without ranges: no job
        log.add(published("late", Split.TEST, "late/test/1")); // no alias request yet
        JobBook book = read();
        assertThat(jobs(book))
                .containsExactly(
                        "v1 on demo/test/1",
                        "v1 on other/test/1",
                        "v2 on other/test/1",
                        "v2 on other/test/2",
                        "v1 on other/test/2",
                        "v2 on demo/test/1");
        assertThat(book.has("v1", "demo/test/1")).isTrue();
        assertThat(book.versionsNeeded()).containsExactlyInAnyOrder("v1", "v2");
        assertThat(waiting(book))
                .as("waiting for the alias' target")
                .containsExactly("late/test/1");
    }

    @Test
    void aRequestNamingASplitScoresThatSplitNotTheLatest() {
        log.add(published("demo", Split.TEST, "demo/test/1"));
        log.add(published("demo", Split.TEST, "demo/test/2"));
        log.add(forAlias("v1", "demo", "demo/test/1")); // the older split, still waiting
        log.add(forAlias("v1", "demo", "demo/test/9")); // a split nobody published: no job
        JobBook book = read();
        assertThat(jobs(book)).containsExactly("v1 on demo/test/1");
        assertThat(waiting(book)).containsExactly("demo/test/2");
    }

    @Test
    void everyReplicaDerivesTheSameJobsInTheSameOrder() {
        log.add(published("demo", Split.TEST, "demo/test/1"));
        log.add(published("more", Split.TEST, "more/test/1"));
        log.add(forAlias("v1", "demo", "demo/test/1"));
        log.add(forAlias("v1", "more", "more/test/1"));
        log.add(released("demo", "v2"));
        List<Long> first = read().after(-1).stream().map(ScoringJob::seq).toList();
        List<Long> second = read().after(-1).stream().map(ScoringJob::seq).toList();
        assertThat(first).hasSize(3).isSorted().doesNotHaveDuplicates().isEqualTo(second);
        JobBook book = read();
        book.dropDone(first.get(1));
        assertThat(jobs(book)).containsExactly("v2 on demo/test/1");
        assertThat(book.versionsNeeded()).containsExactly("v2");
    }

    @Test
    void progressTravelsAsOffsetMetadata() {
        PartitionProgress p =
                PartitionProgress.NONE
                        .start(new ScoringJob(7, "n", "v", null, false, 0), 120)
                        .advance(180);
        assertThat(PartitionProgress.parse(p.encode())).isEqualTo(p);
        assertThat(p.done()).isEqualTo(new PartitionProgress(7, -1, -1));
        assertThat(PartitionProgress.parse("v1"))
                .as("the metadata of an older version")
                .isEqualTo(PartitionProgress.NONE);
        assertThat(PartitionProgress.parse(null)).isEqualTo(PartitionProgress.NONE);
        assertThat(PartitionProgress.parse("j1:x:y")).isEqualTo(PartitionProgress.NONE);
    }
}
