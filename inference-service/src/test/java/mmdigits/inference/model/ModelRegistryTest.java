package mmdigits.inference.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import mmdigits.common.events.ModelIndex;
import mmdigits.common.events.Promotions;
import mmdigits.common.kafka.ModelKeys;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.CandidateMode;
import mmdigits.common.proto.ModelPromoted;
import mmdigits.common.proto.ModelRelease;
import mmdigits.inference.InferenceConfigs;
import mmdigits.inference.Instance;
import mmdigits.inference.ReferenceModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which versions the registry loads and which one the alias serves, from releases and promotions as
 * the topics deliver them.
 */
class ModelRegistryTest {
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final ModelIndex index = new ModelIndex();
    final Promotions promotions = new Promotions();
    final Map<String, ModelRelease> topic = new HashMap<>();
    final Set<String> needed = new HashSet<>();
    long offset;
    ModelRegistry registry;

    ModelRegistry registry(int maxLoaded) {
        registry =
                new ModelRegistry(
                        InferenceConfigs.of(
                                Map.of("inference.models.max-loaded", Integer.toString(maxLoaded))),
                        meters);
        registry.follow(
                new ModelRegistry.Source() {
                    @Override
                    public ModelIndex index() {
                        return index;
                    }

                    @Override
                    public Optional<Promotions.Target> promoted() {
                        return promotions.current("digits");
                    }

                    @Override
                    public Optional<Promotions.Candidate> candidate() {
                        return promotions.candidate("digits");
                    }

                    @Override
                    public Set<String> versionsNeeded() {
                        return needed;
                    }

                    @Override
                    public boolean caughtUp() {
                        return true;
                    }

                    @Override
                    public ModelRelease fetch(ModelIndex.Version v) {
                        return topic.get(ModelKeys.of(v.name(), v.version()));
                    }
                });
        return registry;
    }

    @AfterEach
    void close() {
        if (registry != null) {
            registry.close();
        }
    }

    /**
     * A release on digits.models, in topic order; {@code createdMs} is what the trainer's clock
     * said.
     */
    void release(String name, String version, long createdMs) {
        ModelRelease r =
                new ReferenceModel(version.hashCode())
                        .release(version, createdMs).toBuilder().setName(name).build();
        topic.put(ModelKeys.of(name, version), r);
        index.on(new TopicLog.Entry<>(0, offset++, ModelKeys.of(name, version), r, false));
    }

    void tombstone(String name, String version) {
        index.on(new TopicLog.Entry<>(0, offset++, ModelKeys.of(name, version), null, false));
    }

    void promote(String name, String version, boolean rollback) {
        promote(
                ModelPromoted.newBuilder()
                        .setAlias("digits")
                        .setName(name)
                        .setVersion(version)
                        .setRollback(rollback));
    }

    void candidate(String stable, String version, CandidateMode mode, int percent) {
        promote(
                ModelPromoted.newBuilder()
                        .setAlias("digits")
                        .setName("a")
                        .setVersion(stable)
                        .setCandidateMode(mode)
                        .setCandidateName("a")
                        .setCandidateVersion(version)
                        .setCandidatePercent(percent));
    }

    /** A promotion as read from digits.promotions, in sequence. */
    void promote(ModelPromoted.Builder p) {
        promotions.on(
                new TopicLog.Entry<>(0, offset, "digits", p.setSequence(++offset).build(), false));
    }

    List<String> loaded() {
        return registry.loaded().stream().map(ModelInfo::key).toList();
    }

    @Test
    void beforeAnyPromotionTheLatestReleaseServesWhateverItsClockSaid() {
        registry(4);
        release("a", "v1", 9_999_999_999_999L); // a trainer whose clock ran years ahead
        release("a", "v2", 1000);
        registry.reconcile();
        assertThat(registry.served().version())
                .as("ordered by release sequence, not created_ms")
                .isEqualTo("v2");
        assertThat(registry.served().sequence()).isGreaterThan(registry.find("a", "v1").sequence());
    }

    @Test
    void thePromotedVersionServesAndARollbackReturnsToThePreviousOne() throws Exception {
        registry(4);
        release("a", "v1", 1);
        promote("a", "v1", false);
        release("b", "v2", 2); // newer, not promoted
        registry.reconcile();
        assertThat(registry.served().key()).isEqualTo("a/v1");
        assertThat(loaded()).containsExactly("b/v2", "a/v1");
        LoadedModel held = registry.acquire(); // a call in flight on v1
        promote("b", "v2", false);
        registry.reconcile();
        assertThat(registry.served().key()).isEqualTo("b/v2");
        assertThat(held.score(List.of(new Instance(new float[784], null))).modelVersion())
                .as("the call in flight finishes on its model")
                .isEqualTo("v1");
        held.release();
        promote("a", "v1", true);
        registry.reconcile();
        assertThat(registry.served().key()).isEqualTo("a/v1");
        assertThat(registry.find("b", null).version())
                .as("a name serves its newest version")
                .isEqualTo("v2");
        assertThatThrownBy(() -> registry.acquire("c", null))
                .isInstanceOf(UnknownModelException.class)
                .hasMessageContaining("'c'");
    }

    @Test
    void onlyTheAliasTheNewestReleasesAndWhatJobsNeedStayLoaded() {
        registry(2);
        for (int i = 1; i <= 6; i++) {
            release("a", "v" + i, i);
        }
        promote("a", "v2", false);
        needed.add("v1");
        registry.reconcile();
        assertThat(loaded()).containsExactlyInAnyOrder("a/v6", "a/v5", "a/v2", "a/v1");
        assertThat(registry.served().key()).isEqualTo("a/v2");
        assertThat(registry.availability("a", "v1", false))
                .isEqualTo(ModelRegistry.Availability.LOADED);
        // a scoring request that names only the version (viz's): what availability finds, acquire
        // gives
        assertThat(registry.availability("", "v1", false))
                .isEqualTo(ModelRegistry.Availability.LOADED);
        LoadedModel byVersion = registry.acquire("", "v1");
        assertThat(byVersion.key()).isEqualTo("a/v1");
        byVersion.release();
        assertThat(registry.availability("a", "v3", false))
                .as("registered, loaded when a job needs it")
                .isEqualTo(ModelRegistry.Availability.PENDING);
        assertThat(registry.availability("a", "v9", false))
                .as("not read yet")
                .isEqualTo(ModelRegistry.Availability.PENDING);
        assertThat(registry.availability("a", "v9", true))
                .as("never came")
                .isEqualTo(ModelRegistry.Availability.GONE);

        needed.clear();
        tombstone("a", "v6");
        registry.reconcile();
        assertThat(loaded())
                .as("v6 removed, v1 no longer needed")
                .containsExactlyInAnyOrder("a/v5", "a/v4", "a/v2");
        assertThat(meters.get("mmdigits.inference.models.loaded").gauge().value()).isEqualTo(3);
    }

    @Test
    void aCandidateStaysLoadedBesideTheTargetAndItsModelOutlivesItsEnd() throws Exception {
        registry(1);
        for (int i = 1; i <= 4; i++) {
            release("a", "v" + i, i);
        }
        promote("a", "v2", false);
        candidate("v2", "v1", CandidateMode.CANARY, 10);
        registry.reconcile();
        assertThat(loaded())
                .as("the newest, the target and the candidate")
                .containsExactlyInAnyOrder("a/v4", "a/v2", "a/v1");
        assertThat(registry.served().key()).isEqualTo("a/v2");
        assertThat(registry.candidate().orElseThrow().percent()).isEqualTo(10);
        LoadedModel inFlight = registry.acquireCandidate();
        assertThat(inFlight.key()).isEqualTo("a/v1");

        promote("a", "v2", true); // the canary rolled back
        registry.reconcile();
        assertThat(registry.candidate()).isEmpty();
        assertThat(registry.acquireCandidate()).isNull();
        assertThat(loaded()).containsExactlyInAnyOrder("a/v4", "a/v2");
        assertThat(inFlight.score(List.of(new Instance(new float[784], null))).modelVersion())
                .as("a call in flight on the candidate finishes on it")
                .isEqualTo("v1");
        inFlight.release();

        candidate("v2", "v3", CandidateMode.SHADOW, 0);
        registry.reconcile();
        assertThat(registry.candidate().orElseThrow().shadow()).isTrue();
        assertThat(registry.served().key()).as("a shadow never serves").isEqualTo("a/v2");
    }
}
