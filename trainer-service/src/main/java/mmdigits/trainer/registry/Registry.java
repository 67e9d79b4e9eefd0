package mmdigits.trainer.registry;

import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import mmdigits.common.events.ModelIndex;
import mmdigits.common.events.Promotions;
import mmdigits.common.proto.CandidateMode;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelPromoted;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.rest.ProblemException;
import mmdigits.common.sample.Dimensions;
import mmdigits.common.sample.TensorNames;
import mmdigits.trainer.config.TrainerConfig;
import mmdigits.trainer.messaging.KafkaOutput;
import mmdigits.trainer.messaging.TrainerLogs;
import mmdigits.trainer.onnx.OrtRunner;
import mmdigits.trainer.training.TrainingSet;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The model registry's writer: releases a version (with the gate's decision, the result event and
 * the tombstones of versions no longer kept, in one transaction), promotes a version explicitly and
 * rolls the alias back. One decision at a time across every trainer replica ({@link
 * KafkaOutput#exclusive}), each taken on a view of the topics that includes everything committed
 * before it. Promotions and rollbacks are signed {@code ModelPromoted} records on {@code
 * digits.promotions}, in rising sequence: the audit trail and what every service derives the alias
 * from.
 */
@ApplicationScoped
public class Registry {
    private static final Duration SYNC = Duration.ofSeconds(30);

    /** The gate's verdict on a new version. */
    public record Decision(boolean promote, String reason) {}

    /**
     * The alias after a promotion or rollback: its target, the reason, the previous targets and its
     * candidate (null without one).
     */
    public record AliasState(
            String alias,
            String name,
            String version,
            String reason,
            List<Promotions.Target> history,
            CandidateState candidate) {}

    /**
     * A version beside the alias' target: a {@code CANARY} answers {@code percent} % of the
     * requests, a {@code SHADOW} (percent 0) answers nobody.
     */
    public record CandidateState(String name, String version, CandidateMode mode, int percent) {
        static CandidateState of(Promotions.Candidate c) {
            return c == null
                    ? null
                    : new CandidateState(
                            c.target().name(), c.target().version(), c.mode(), c.percent());
        }
    }

    private final TrainerConfig config;
    private final TrainerLogs logs;
    private final KafkaOutput output;

    public Registry(TrainerConfig config, TrainerLogs logs, KafkaOutput output) {
        this.config = config;
        this.logs = logs;
        this.output = output;
    }

    public String alias() {
        return config.promotion().alias();
    }

    /**
     * Registers a release in one transaction with {@code result} (its TrainingResult event,
     * completed with the decision) and, when the gate passes, its promotion; versions of its name
     * beyond {@code trainer.registry.keep-versions} are removed (never an alias target).
     *
     * @param validate the new model's and the promoted model's accuracy on the same validation
     *     samples
     * @return the decision; empty when this version is registered already (another trainer replica
     *     ran the same run and released it first)
     */
    public Optional<Decision> release(ModelRelease release, Event.Builder result, Gate validate)
            throws Exception {
        Optional<Decision> d =
                output.exclusive(
                        () -> {
                            logs.sync(SYNC);
                            if (logs.index()
                                    .get(release.getName(), release.getVersion())
                                    .isPresent()) {
                                return new KafkaOutput.Decided<>(
                                        List.of(), Optional.<Decision>empty());
                            }
                            Decision decision = decide(release, validate);
                            return new KafkaOutput.Decided<>(
                                    releaseRecords(release, result, decision),
                                    Optional.of(decision));
                        });
        d.ifPresentOrElse(
                decision ->
                        Log.infof(
                                "model %s version %s registered; %s: %s",
                                release.getName(),
                                release.getVersion(),
                                decision.promote()
                                        ? "promoted to '" + alias() + "'"
                                        : "not promoted",
                                decision.reason()),
                () ->
                        Log.warnf(
                                "model %s version %s was registered by another trainer instance: not released twice",
                                release.getName(), release.getVersion()));
        return d;
    }

    private List<ProducerRecord<String, byte[]>> releaseRecords(
            ModelRelease release, Event.Builder result, Decision d) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        records.add(
                output.release(
                        release.toBuilder()
                                .setReleaseSequence(logs.index().newestSequence() + 1)
                                .build()));
        tombstones(release).forEach(v -> records.add(KafkaOutput.tombstone(v.name(), v.version())));
        result.getTrainingResultBuilder().setPromoted(d.promote()).setPromotionReason(d.reason());
        records.add(KafkaOutput.event(release.getRunId(), result.build()));
        if (d.promote()) {
            records.add(
                    promotion(
                            release.getName(),
                            release.getVersion(),
                            false,
                            d.reason(),
                            carriedCandidate()));
        }
        return records;
    }

    /**
     * A gated promotion of a new release keeps a running candidate (the rollout an operator started
     * goes on beside the new target) while its version is still registered; otherwise it ends.
     */
    Promotions.Candidate carriedCandidate() {
        return logs.promotions()
                .candidate(alias())
                .filter(c -> logs.index().get(c.target().name(), c.target().version()).isPresent())
                .orElse(null);
    }

    /** Scores a model on the new version's validation samples: the gate compares two of these. */
    @FunctionalInterface
    public interface Gate {
        double accuracy(byte[] onnx) throws Exception;
    }

    Decision decide(ModelRelease release, Gate validate) throws Exception {
        String mode = config.promotion().mode().toLowerCase(Locale.ROOT);
        if (mode.equals("always")) {
            return new Decision(true, "promotion mode 'always'");
        }
        if (mode.equals("manual")) {
            return new Decision(
                    false,
                    "promotion mode 'manual': promote it with POST /models/"
                            + release.getName()
                            + "/promote");
        }
        Optional<Promotions.Target> current = logs.promotions().current(alias());
        if (current.isEmpty()) {
            return new Decision(true, "no version was promoted before");
        }
        Promotions.Target t = current.get();
        Optional<ModelIndex.Version> promoted = logs.index().get(t.name(), t.version());
        if (promoted.isEmpty()) {
            return new Decision(
                    true,
                    "the promoted version "
                            + t.name()
                            + "/"
                            + t.version()
                            + " is no longer registered");
        }
        double mine = validate.accuracy(release.getOnnx().toByteArray());
        double theirs = validate.accuracy(logs.release(promoted.get()).getOnnx().toByteArray());
        String compared =
                String.format(
                        Locale.ROOT,
                        "validation accuracy %.4f vs %.4f of the promoted %s/%s on the same %s samples",
                        mine,
                        theirs,
                        t.name(),
                        t.version(),
                        release.getDataset());
        if (mine >= theirs - config.promotion().tolerance()) {
            return new Decision(true, compared);
        }
        return new Decision(false, compared + ": below it, kept registered, not promoted");
    }

    /**
     * Versions of the release's name beyond the ones kept, oldest first; never an alias target
     * (current or in its history) nor its candidate.
     */
    List<ModelIndex.Version> tombstones(ModelRelease release) {
        Set<Promotions.Target> protectedTargets = new HashSet<>();
        logs.promotions()
                .state(alias())
                .ifPresent(
                        s -> {
                            protectedTargets.add(s.current());
                            protectedTargets.addAll(s.history());
                            if (s.candidate() != null) {
                                protectedTargets.add(s.candidate().target());
                            }
                        });
        List<ModelIndex.Version> versions =
                new ArrayList<>(logs.index().versions(release.getName()));
        int keepOld =
                Math.max(0, config.registry().keepVersions() - 1); // the new release is kept too
        List<ModelIndex.Version> out = new ArrayList<>();
        for (int i = 0; i < versions.size() - keepOld; i++) {
            ModelIndex.Version v = versions.get(i);
            if (!protectedTargets.contains(new Promotions.Target(v.name(), v.version()))) {
                out.add(v);
            }
        }
        return out;
    }

    /**
     * Points the alias at a registered version (the newest of the name when {@code version} is
     * null); a candidate beside the target ends (a promotion states the alias' whole state).
     */
    public AliasState promote(String name, String version, String reason) throws Exception {
        boolean moved =
                output.exclusive(
                        () -> {
                            logs.sync(SYNC);
                            ModelIndex.Version v = registered(name, version);
                            Optional<Promotions.Target> current =
                                    logs.promotions().current(alias());
                            if (current.isPresent()
                                    && current.get()
                                            .equals(new Promotions.Target(v.name(), v.version()))
                                    && logs.promotions().candidate(alias()).isEmpty()) {
                                return new KafkaOutput.Decided<>(List.of(), false);
                            }
                            return new KafkaOutput.Decided<>(
                                    List.of(promotion(v.name(), v.version(), false, reason, null)),
                                    true);
                        });
        logs.promotionLog().sync(SYNC);
        if (moved) {
            AliasState s = state();
            Log.infof(
                    "alias '%s' now points at %s/%s (%s)", alias(), s.name(), s.version(), reason);
        }
        return state();
    }

    private ModelIndex.Version registered(String name, String version) {
        return (version == null ? logs.index().newest(name) : logs.index().get(name, version))
                .orElseThrow(
                        () ->
                                ProblemException.notFound(
                                        version == null
                                                ? "name: no version of model '"
                                                        + name
                                                        + "' is registered"
                                                : "version: model '"
                                                        + name
                                                        + "' has no registered version '"
                                                        + version
                                                        + "'"));
    }

    /**
     * Ends the alias' candidate when it has one (the target stays); otherwise points the alias back
     * at its previous target.
     */
    public AliasState rollback() throws Exception {
        output.exclusive(
                () -> {
                    logs.sync(SYNC);
                    Promotions.State s =
                            logs.promotions()
                                    .state(alias())
                                    .orElseThrow(
                                            () ->
                                                    ProblemException.conflict(
                                                            "alias '"
                                                                    + alias()
                                                                    + "' was never promoted: nothing to roll back"));
                    return new KafkaOutput.Decided<>(
                            List.of(s.candidate() != null ? endCandidate(s) : rollbackTarget(s)),
                            s.current());
                });
        logs.promotionLog().sync(SYNC);
        AliasState s = state();
        Log.infof(
                "alias '%s' rolled back: %s/%s answers everything", alias(), s.name(), s.version());
        return s;
    }

    /** The promotion that ends a candidate: the target stays, flagged as a rollback. */
    private ProducerRecord<String, byte[]> endCandidate(Promotions.State s) {
        Promotions.Target c = s.candidate().target();
        return promotion(
                s.current().name(),
                s.current().version(),
                true,
                "rollback of the " + s.candidate().mode() + " " + c.name() + "/" + c.version(),
                null);
    }

    /** The promotion back to the newest earlier target that is still registered. */
    private ProducerRecord<String, byte[]> rollbackTarget(Promotions.State s) {
        Promotions.Target previous =
                s.history().stream()
                        .filter(t -> logs.index().get(t.name(), t.version()).isPresent())
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        ProblemException.conflict(
                                                "alias '"
                                                        + alias()
                                                        + "' has no earlier registered target to roll back to"));
        String reason = "rollback from " + s.current().name() + "/" + s.current().version();
        return promotion(previous.name(), previous.version(), true, reason, null);
    }

    /**
     * Puts a registered version beside the alias' target: a {@code CANARY} answering {@code
     * percent} % of the requests, or a {@code SHADOW} (percent ignored) answering nobody. The
     * target stays; a candidate before it is replaced.
     *
     * @throws ProblemException 404 for an unregistered version, 409 when the alias has no target
     *     yet or the version is its target
     */
    public AliasState candidate(String name, String version, CandidateMode mode, int percent)
            throws Exception {
        Promotions.Candidate wanted =
                new Promotions.Candidate(
                        new Promotions.Target(name, version),
                        mode,
                        mode == CandidateMode.CANARY ? percent : 0);
        output.exclusive(
                () -> {
                    logs.sync(SYNC);
                    registered(name, version);
                    Promotions.Target current = targetBeside(wanted.target());
                    String reason =
                            mode == CandidateMode.CANARY
                                    ? "canary " + name + "/" + version + " at " + percent + " %"
                                    : "shadow " + name + "/" + version;
                    return new KafkaOutput.Decided<>(
                            List.of(
                                    promotion(
                                            current.name(),
                                            current.version(),
                                            false,
                                            reason,
                                            wanted)),
                            current);
                });
        logs.promotionLog().sync(SYNC);
        AliasState s = state();
        Log.infof(
                "alias '%s': %s/%s, with the candidate %s/%s (%s)",
                alias(), s.name(), s.version(), name, version, s.reason());
        return s;
    }

    /** The alias' target, which a candidate must differ from (409 without one, or the same). */
    private Promotions.Target targetBeside(Promotions.Target candidate) {
        Promotions.Target current =
                logs.promotions()
                        .current(alias())
                        .orElseThrow(
                                () ->
                                        ProblemException.conflict(
                                                "alias '"
                                                        + alias()
                                                        + "' has no target yet: promote a version before a candidate"));
        if (current.equals(candidate)) {
            throw ProblemException.conflict(
                    "version: "
                            + candidate.name()
                            + "/"
                            + candidate.version()
                            + " is the alias' target already; a candidate must be another version");
        }
        return current;
    }

    /**
     * Promotes the alias' candidate to 100 %: it becomes the target (the old target enters the
     * history, so a rollback returns to it), and the alias has no candidate.
     *
     * @throws ProblemException 409 when the alias has no candidate, or its version is no longer
     *     registered
     */
    public AliasState promoteCandidate() throws Exception {
        output.exclusive(
                () -> {
                    logs.sync(SYNC);
                    Promotions.Candidate c =
                            logs.promotions()
                                    .candidate(alias())
                                    .orElseThrow(
                                            () ->
                                                    ProblemException.conflict(
                                                            "alias '"
                                                                    + alias()
                                                                    + "' has no candidate to promote"));
                    Promotions.Target t = c.target();
                    if (logs.index().get(t.name(), t.version()).isEmpty()) {
                        throw ProblemException.conflict(
                                "the candidate "
                                        + t.name()
                                        + "/"
                                        + t.version()
                                        + " is no longer registered");
                    }
                    String reason = "the " + c.mode() + " promoted to 100 %";
                    return new KafkaOutput.Decided<>(
                            List.of(promotion(t.name(), t.version(), false, reason, null)), t);
                });
        logs.promotionLog().sync(SYNC);
        AliasState s = state();
        Log.infof("alias '%s' now points at its candidate %s/%s", alias(), s.name(), s.version());
        return s;
    }

    public AliasState state() {
        return logs.promotions()
                .state(alias())
                .map(
                        s ->
                                new AliasState(
                                        alias(),
                                        s.current().name(),
                                        s.current().version(),
                                        s.reason(),
                                        s.history(),
                                        CandidateState.of(s.candidate())))
                .orElse(new AliasState(alias(), null, null, null, List.of(), null));
    }

    /**
     * The next promotion, signed, in sequence after every promotion accepted so far; it states the
     * alias' whole state: the target and the candidate beside it (null: none).
     */
    private ProducerRecord<String, byte[]> promotion(
            String name,
            String version,
            boolean rollback,
            String reason,
            Promotions.Candidate candidate) {
        ModelPromoted.Builder p =
                ModelPromoted.newBuilder()
                        .setAlias(alias())
                        .setName(name)
                        .setVersion(version)
                        .setRollback(rollback)
                        .setReason(reason)
                        .setSequence(logs.promotions().newestSequence() + 1)
                        .setPromotedAtMs(System.currentTimeMillis());
        logs.promotions()
                .current(alias())
                .ifPresent(t -> p.setPreviousName(t.name()).setPreviousVersion(t.version()));
        if (candidate != null) {
            p.setCandidateMode(candidate.mode())
                    .setCandidateName(candidate.target().name())
                    .setCandidateVersion(candidate.target().version())
                    .setCandidatePercent(candidate.percent());
        }
        return output.promotion(p.build());
    }

    /**
     * The share of {@code rows} a model labels right, in ONNX Runtime on raw values (both
     * modalities).
     */
    public static double accuracy(byte[] onnx, TrainingSet data, int[] rows) throws Exception {
        long correct = 0;
        try (OrtRunner ort = new OrtRunner(onnx)) {
            for (int start = 0; start < rows.length; start += 512) {
                int[] chunk = Arrays.copyOfRange(rows, start, Math.min(rows.length, start + 512));
                float[] p =
                        ort.run(
                                        Map.of(
                                                TensorNames.IMAGE,
                                                data.images(chunk),
                                                TensorNames.AUDIO,
                                                data.audio(chunk)),
                                        Map.of(
                                                TensorNames.IMAGE,
                                                new long[] {chunk.length, Dimensions.IMAGE},
                                                TensorNames.AUDIO,
                                                new long[] {chunk.length, Dimensions.AUDIO}),
                                        TensorNames.PROBABILITIES)
                                .get(TensorNames.PROBABILITIES);
                for (int i = 0; i < chunk.length; i++) {
                    if (argmax(p, i * Dimensions.CLASSES) == data.label(chunk[i])) {
                        correct++;
                    }
                }
            }
        }
        return rows.length == 0 ? 0 : correct / (double) rows.length;
    }

    private static int argmax(float[] p, int from) {
        int best = 0;
        for (int k = 1; k < Dimensions.CLASSES; k++) {
            if (p[from + k] > p[from + best]) {
                best = k;
            }
        }
        return best;
    }
}
