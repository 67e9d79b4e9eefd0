package mmdigits.trainer.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.util.ArrayList;
import java.util.List;
import mmdigits.common.Topics;
import mmdigits.common.events.ModelIndex;
import mmdigits.common.events.Promotions;
import mmdigits.common.kafka.ModelKeys;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.CandidateMode;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelPromoted;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.proto.TrainingResult;
import mmdigits.common.rest.ProblemException;
import mmdigits.trainer.config.TrainerConfig;
import mmdigits.trainer.messaging.KafkaOutput;
import mmdigits.trainer.messaging.TrainerLogs;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The registry's decisions about an alias' candidate, on logs filled by hand: what every promotion
 * the registry writes says about the candidate (the topics and signatures are {@code
 * TrainingFlowIT}'s).
 */
class RegistryTest {
    final ModelIndex index = new ModelIndex();
    final Promotions promotions = new Promotions();
    final List<ProducerRecord<String, byte[]>> written = new ArrayList<>();
    long offset;
    Registry registry;

    @BeforeEach
    void registry() throws Exception {
        TrainerConfig config = mock(TrainerConfig.class);
        TrainerConfig.Promotion promotion = mock(TrainerConfig.Promotion.class);
        TrainerConfig.Registry kept = mock(TrainerConfig.Registry.class);
        when(config.promotion()).thenReturn(promotion);
        when(config.registry()).thenReturn(kept);
        when(promotion.alias()).thenReturn("digits");
        when(promotion.mode()).thenReturn("always");
        when(kept.keepVersions()).thenReturn(1);
        TrainerLogs logs = mock(TrainerLogs.class);
        when(logs.index()).thenReturn(index);
        when(logs.promotions()).thenReturn(promotions);
        @SuppressWarnings("unchecked")
        TopicLog<ModelPromoted> promotionLog = mock(TopicLog.class);
        when(logs.promotionLog()).thenReturn(promotionLog);
        KafkaOutput output = mock(KafkaOutput.class);
        when(output.promotion(any()))
                .thenAnswer(
                        i ->
                                new ProducerRecord<>(
                                        Topics.PROMOTIONS,
                                        "digits",
                                        ((ModelPromoted) i.getArgument(0)).toByteArray()));
        when(output.release(any()))
                .thenAnswer(
                        i ->
                                new ProducerRecord<>(
                                        Topics.MODELS,
                                        "release",
                                        ((ModelRelease) i.getArgument(0)).toByteArray()));
        when(output.exclusive(any())).thenAnswer(i -> commit(i.getArgument(0)));
        registry = new Registry(config, logs, output);
    }

    /** Runs a decision and delivers its promotions to the alias, as the topic would. */
    Object commit(KafkaOutput.Exclusive<?> decision) throws Exception {
        KafkaOutput.Decided<?> d = decision.decide();
        written.addAll(d.records());
        for (ProducerRecord<String, byte[]> r : d.records()) {
            if (r.topic().equals(Topics.PROMOTIONS)) {
                promotions.on(
                        new TopicLog.Entry<>(
                                0, offset++, r.key(), ModelPromoted.parseFrom(r.value()), false));
            }
        }
        return d.result();
    }

    void register(String version) {
        index.on(
                new TopicLog.Entry<>(
                        0,
                        offset++,
                        ModelKeys.of("a", version),
                        release(version).toBuilder().setReleaseSequence(offset).build(),
                        false));
    }

    void unregister(String version) {
        index.on(new TopicLog.Entry<>(0, offset++, ModelKeys.of("a", version), null, true));
    }

    static ModelRelease release(String version) {
        return ModelRelease.newBuilder()
                .setName("a")
                .setVersion(version)
                .setRunId("run-" + version)
                .build();
    }

    ModelPromoted lastPromotion() throws Exception {
        ProducerRecord<String, byte[]> last = null;
        for (ProducerRecord<String, byte[]> r : written) {
            last = r.topic().equals(Topics.PROMOTIONS) ? r : last;
        }
        return ModelPromoted.parseFrom(last.value());
    }

    Event.Builder result(String version) {
        return Event.newBuilder()
                .setTrainingResult(TrainingResult.newBuilder().setModelVersion(version));
    }

    /** v1 the target, v2 a 10 % canary beside it. */
    void canaryOfV2() throws Exception {
        register("v1");
        register("v2");
        registry.promote("a", "v1", "test");
        registry.candidate("a", "v2", CandidateMode.CANARY, 10);
    }

    @Test
    void aGatedPromotionOfANewReleaseKeepsARegisteredCandidate() throws Exception {
        canaryOfV2();
        registry.release(release("v3"), result("v3"), onnx -> 1.0);
        ModelPromoted p = lastPromotion();
        assertThat(p.getVersion()).isEqualTo("v3");
        assertThat(p.getCandidateMode()).isEqualTo(CandidateMode.CANARY);
        assertThat(p.getCandidateVersion()).isEqualTo("v2");
        assertThat(p.getCandidatePercent()).isEqualTo(10);
        assertThat(registry.state().candidate())
                .isEqualTo(new Registry.CandidateState("a", "v2", CandidateMode.CANARY, 10));
        assertThat(registry.state().version()).isEqualTo("v3");
    }

    @Test
    void aGatedPromotionEndsACandidateNoLongerRegistered() throws Exception {
        canaryOfV2();
        unregister("v2");
        registry.release(release("v3"), result("v3"), onnx -> 1.0);
        ModelPromoted p = lastPromotion();
        assertThat(p.getVersion()).isEqualTo("v3");
        assertThat(p.getCandidateMode()).isEqualTo(CandidateMode.CANDIDATE_NONE);
        assertThat(registry.state().candidate()).isNull();
    }

    @Test
    void aCandidateNeedsATargetOtherThanItselfAndARegisteredVersion() throws Exception {
        register("v1");
        assertThatThrownBy(() -> registry.candidate("a", "v1", CandidateMode.CANARY, 10))
                .isInstanceOf(ProblemException.class)
                .hasMessageContaining("has no target yet");
        registry.promote("a", "v1", "test");
        assertThatThrownBy(() -> registry.candidate("a", "v1", CandidateMode.CANARY, 10))
                .hasMessageContaining("is the alias' target already");
        assertThatThrownBy(() -> registry.candidate("a", "v9", CandidateMode.SHADOW, 0))
                .isInstanceOf(ProblemException.class)
                .hasMessageContaining("no registered version 'v9'");
        assertThat(registry.state().candidate()).isNull();
        assertThat(written).hasSize(1);
    }

    @Test
    void retentionNeverDropsTheCandidatesVersion() throws Exception {
        register("v0");
        canaryOfV2();
        register("v3");
        // one version kept per name: the new one; v1 is the target, v2 the candidate
        assertThat(registry.tombstones(release("v4")))
                .extracting(ModelIndex.Version::version)
                .containsExactly("v0", "v3");
    }

    @Test
    void promotingTheTargetAgainEndsTheCandidateAndARollbackEndsItWithoutMovingTheTarget()
            throws Exception {
        canaryOfV2();
        registry.promote("a", "v1", "again");
        assertThat(lastPromotion().getCandidateMode()).isEqualTo(CandidateMode.CANDIDATE_NONE);
        assertThat(registry.state().candidate()).isNull();
        registry.candidate("a", "v2", CandidateMode.SHADOW, 50);
        assertThat(registry.state().candidate())
                .as("a shadow has no share")
                .isEqualTo(new Registry.CandidateState("a", "v2", CandidateMode.SHADOW, 0));
        Registry.AliasState s = registry.rollback();
        assertThat(lastPromotion().getRollback()).isTrue();
        assertThat(s.version()).isEqualTo("v1");
        assertThat(s.candidate()).isNull();
        assertThat(s.history()).isEmpty();
    }
}
