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

    /** The alias after a promotion or rollback. */
    public record AliasState(
            String alias,
            String name,
            String version,
            String reason,
            List<Promotions.Target> history) {}

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
            records.add(promotion(release.getName(), release.getVersion(), false, d.reason()));
        }
        return records;
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
     * (current or in its history).
     */
    List<ModelIndex.Version> tombstones(ModelRelease release) {
        Set<Promotions.Target> protectedTargets = new HashSet<>();
        logs.promotions()
                .state(alias())
                .ifPresent(
                        s -> {
                            protectedTargets.add(s.current());
                            protectedTargets.addAll(s.history());
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
     * null).
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
                                            .equals(new Promotions.Target(v.name(), v.version()))) {
                                return new KafkaOutput.Decided<>(List.of(), false);
                            }
                            return new KafkaOutput.Decided<>(
                                    List.of(promotion(v.name(), v.version(), false, reason)), true);
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

    /** Points the alias back at its previous target. */
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
                    Promotions.Target previous =
                            s.history().stream()
                                    .filter(
                                            t ->
                                                    logs.index()
                                                            .get(t.name(), t.version())
                                                            .isPresent())
                                    .findFirst()
                                    .orElseThrow(
                                            () ->
                                                    ProblemException.conflict(
                                                            "alias '"
                                                                    + alias()
                                                                    + "' has no earlier registered target to roll back to"));
                    String reason =
                            "rollback from " + s.current().name() + "/" + s.current().version();
                    return new KafkaOutput.Decided<>(
                            List.of(promotion(previous.name(), previous.version(), true, reason)),
                            previous);
                });
        logs.promotionLog().sync(SYNC);
        AliasState s = state();
        Log.infof("alias '%s' rolled back to %s/%s", alias(), s.name(), s.version());
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
                                        s.history()))
                .orElse(new AliasState(alias(), null, null, null, List.of()));
    }

    /** The next promotion, signed, in sequence after every promotion accepted so far. */
    private ProducerRecord<String, byte[]> promotion(
            String name, String version, boolean rollback, String reason) {
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
