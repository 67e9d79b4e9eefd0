package mmdigits.common.events;

import static org.assertj.core.api.Assertions.assertThat;

import mmdigits.common.kafka.ModelKeys;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.CandidateMode;
import mmdigits.common.proto.ModelPromoted;
import mmdigits.common.proto.ModelRelease;
import org.junit.jupiter.api.Test;

/**
 * The alias and the registry as the logs deliver them: promotions, rollbacks, releases, tombstones.
 */
class PromotionsTest {
    long offset;

    TopicLog.Entry<ModelPromoted> promoted(
            String alias, String name, String version, boolean rollback) {
        return new TopicLog.Entry<>(
                0,
                offset,
                alias,
                ModelPromoted.newBuilder()
                        .setAlias(alias)
                        .setName(name)
                        .setVersion(version)
                        .setRollback(rollback)
                        .setReason(rollback ? "rollback" : "gate")
                        .setSequence(10 + offset++)
                        .build(),
                false);
    }

    @Test
    void theLastPromotionWinsAndARollbackReturnsToTheTargetBefore() {
        Promotions p = new Promotions();
        assertThat(p.current("digits")).isEmpty();
        p.on(promoted("digits", "a", "v1", false));
        p.on(promoted("digits", "b", "v2", false));
        p.on(promoted("other", "c", "v9", false));
        p.on(promoted("digits", "a", "v3", false));
        assertThat(p.current("digits")).contains(new Promotions.Target("a", "v3"));
        assertThat(p.state("digits").orElseThrow().history())
                .containsExactly(
                        new Promotions.Target("b", "v2"), new Promotions.Target("a", "v1"));
        p.on(promoted("digits", "b", "v2", true));
        assertThat(p.current("digits")).contains(new Promotions.Target("b", "v2"));
        assertThat(p.state("digits").orElseThrow().history())
                .containsExactly(new Promotions.Target("a", "v1"));
        assertThat(p.state("digits").orElseThrow().reason()).isEqualTo("rollback");
        assertThat(p.current("other")).contains(new Promotions.Target("c", "v9"));
        assertThat(p.newestSequence()).as("the fifth promotion's sequence").isEqualTo(14);
    }

    TopicLog.Entry<ModelPromoted> withCandidate(
            String name, String version, CandidateMode mode, int percent, boolean rollback) {
        TopicLog.Entry<ModelPromoted> e = promoted("digits", "a", "v1", rollback);
        return new TopicLog.Entry<>(
                0,
                e.offset(),
                "digits",
                e.value().toBuilder()
                        .setCandidateMode(mode)
                        .setCandidateName(name)
                        .setCandidateVersion(version)
                        .setCandidatePercent(percent)
                        .build(),
                false);
    }

    @Test
    void aCandidateLastsUntilAPromotionLeavesItOutAndNeverEntersTheHistory() {
        Promotions p = new Promotions();
        p.on(promoted("digits", "a", "v1", false));
        p.on(withCandidate("a", "v2", CandidateMode.CANARY, 10, false));
        assertThat(p.current("digits")).contains(new Promotions.Target("a", "v1"));
        assertThat(p.candidate("digits"))
                .contains(
                        new Promotions.Candidate(
                                new Promotions.Target("a", "v2"), CandidateMode.CANARY, 10));
        assertThat(p.state("digits").orElseThrow().history()).isEmpty();
        p.on(withCandidate("a", "v3", CandidateMode.SHADOW, 50, false));
        assertThat(p.candidate("digits").orElseThrow())
                .as("a shadow answers nobody: its percent is not kept")
                .isEqualTo(
                        new Promotions.Candidate(
                                new Promotions.Target("a", "v3"), CandidateMode.SHADOW, 0));
        p.on(promoted("digits", "a", "v1", true)); // the candidate rolled back: the target stays
        assertThat(p.candidate("digits")).isEmpty();
        assertThat(p.current("digits")).contains(new Promotions.Target("a", "v1"));
        p.on(withCandidate("a", "v4", CandidateMode.CANARY, 25, false));
        p.on(promoted("digits", "a", "v4", false)); // the candidate promoted to 100 %
        assertThat(p.candidate("digits")).isEmpty();
        assertThat(p.state("digits").orElseThrow().history())
                .containsExactly(new Promotions.Target("a", "v1"));
        assertThat(p.state("digits").orElseThrow().candidate()).isNull();
    }

    @Test
    void theIndexOrdersReleasesByOffsetAndForgetsTombstonedOnes() {
        ModelIndex index = new ModelIndex();
        index.on(
                new TopicLog.Entry<>(
                        0, 5, ModelKeys.of("a", "v1"), release("a", "v1", 9_000_000), false));
        index.on(new TopicLog.Entry<>(0, 6, ModelKeys.of("b", "v2"), release("b", "v2", 1), false));
        index.on(
                new TopicLog.Entry<>(
                        0, 7, "a", release("a", "v0", 5), false)); // an older format: key = name
        index.on(new TopicLog.Entry<>(0, 8, ModelKeys.of("a", "v3"), release("a", "v3", 2), false));
        assertThat(index.newest().orElseThrow().version()).isEqualTo("v3");
        assertThat(index.versions("a"))
                .extracting(ModelIndex.Version::version)
                .containsExactly("v1", "v0", "v3");
        assertThat(index.names()).containsExactly("b", "a");
        index.on(new TopicLog.Entry<>(0, 9, ModelKeys.of("a", "v3"), null, false));
        assertThat(index.newest("a").orElseThrow().version()).isEqualTo("v0");
        assertThat(index.byVersion("v3")).isEmpty();
        assertThat(index.get("b", "v2").orElseThrow().sequence()).isEqualTo(6);
    }

    static ModelRelease release(String name, String version, long createdMs) {
        return ModelRelease.newBuilder()
                .setName(name)
                .setVersion(version)
                .setCreatedMs(createdMs)
                .setDataset(name)
                .build();
    }
}
