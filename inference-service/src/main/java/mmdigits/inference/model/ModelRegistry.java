package mmdigits.inference.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import mmdigits.common.events.ModelIndex;
import mmdigits.common.events.Promotions;
import mmdigits.common.kafka.ModelKeys;
import mmdigits.common.proto.ModelRelease;
import mmdigits.inference.config.InferenceConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The models this replica serves, each in an ONNX Runtime session: the alias' target (the promoted
 * version; before any promotion, the newest release), the newest {@code
 * inference.models.max-loaded} releases, and the versions that scoring jobs still need — nothing
 * else stays in memory. Which versions exist and which is promoted comes from a {@link Source} (the
 * topics); a background thread loads and unloads to match. Swaps are atomic: calls in flight finish
 * on the old session, which is closed after the last of them; the alias moves to a new target only
 * once it is loaded.
 */
@ApplicationScoped
public class ModelRegistry {
    /**
     * Whether a version can score: loaded, about to be (registered, or its release not read yet),
     * or never.
     */
    public enum Availability {
        LOADED,
        PENDING,
        GONE
    }

    /**
     * What the registry decides from: the registered versions, the promoted one, the versions jobs
     * need.
     */
    public interface Source {
        ModelIndex index();

        Optional<Promotions.Target> promoted();

        /** The alias' candidate beside the promoted version (a canary or a shadow), if any. */
        Optional<Promotions.Candidate> candidate();

        Set<String> versionsNeeded();

        /**
         * True once digits.models was read to the end it had at start: an unknown version is then
         * gone.
         */
        boolean caughtUp();

        ModelRelease fetch(ModelIndex.Version v) throws Exception;
    }

    private final InferenceConfig config;
    private final MeterRegistry meters;
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final HeldModels held;

    /** Versions that could not be loaded, with why (not tried again until asked to load). */
    private final Map<String, String> failed = new ConcurrentHashMap<>();

    /** Versions loaded on request (the repository API): kept whatever max-loaded says. */
    private final Set<String> pinned = ConcurrentHashMap.newKeySet();

    /** Versions unloaded on request: not loaded again as one of the newest until asked to load. */
    private final Set<String> unloaded = ConcurrentHashMap.newKeySet();

    private final AtomicLong directSequence = new AtomicLong();
    private final Semaphore wake = new Semaphore(0);
    private volatile Source source;
    private volatile boolean running = true;

    public ModelRegistry(InferenceConfig config, MeterRegistry meters) {
        this.config = config;
        this.meters = meters;
        this.held = new HeldModels(config.alias(), meters);
    }

    /** The alias this service answers for by default ({@code inference.alias}, "digits"). */
    public String alias() {
        return config.alias();
    }

    /** Starts following a source: a thread loads and unloads as it changes ({@link #changed()}). */
    public void follow(Source s) {
        this.source = s;
        Thread t = new Thread(this::loadLoop, "model-loader");
        t.setDaemon(true);
        t.start();
    }

    /**
     * A release on {@code digits.models} that was refused (unsigned, a bad signature, out of
     * sequence): never loaded, logged, counted.
     */
    public void refused(ConsumerRecord<String, byte[]> record, Exception reason) {
        refused("release", "mmdigits.inference.releases.refused", record, reason);
    }

    /**
     * A promotion on {@code digits.promotions} that was refused (unsigned, forged, replayed): the
     * alias does not move; logged, counted.
     */
    public void refusedPromotion(ConsumerRecord<String, byte[]> record, Exception reason) {
        refused("promotion", "mmdigits.inference.promotions.refused", record, reason);
    }

    private void refused(
            String what, String counter, ConsumerRecord<String, byte[]> record, Exception reason) {
        Log.warnf(
                "refused %s %s at %s/%d@%d: %s",
                what,
                record.key(),
                record.topic(),
                record.partition(),
                record.offset(),
                reason.getMessage());
        Counter.builder(counter)
                .description(
                        "Records on "
                                + record.topic()
                                + " refused (unsigned, bad signature, out of sequence)")
                .register(meters)
                .increment();
    }

    /** Something the registry decides from has changed: reconcile soon. */
    public void changed() {
        wake.release();
    }

    private void loadLoop() {
        while (running) {
            try {
                wake.tryAcquire(1, TimeUnit.SECONDS);
                wake.drainPermits();
                if (source.caughtUp()) {
                    reconcile();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                Log.error("reconciling the loaded models failed", e);
            }
        }
    }

    /** Loads what should be loaded, moves the alias, unloads the rest (nothing once closed). */
    synchronized void reconcile() {
        if (!running) {
            return;
        }
        ModelIndex index = source.index();
        Set<String> wanted = wanted(index);
        for (ModelIndex.Version v : index.all()) {
            String key = ModelKeys.of(v.name(), v.version());
            if (wanted.contains(key) && !held.contains(key) && !failed.containsKey(key)) {
                loadFromSource(v);
            }
        }
        moveAlias(index);
        moveCandidate();
        for (LoadedModel m : held.loaded()) {
            if (!wanted.contains(m.key()) && !m.key().equals(held.servedKey())) {
                held.unload(
                        m,
                        index.get(m.name(), m.version()).isPresent()
                                ? "no longer among the versions kept"
                                : "removed from the registry");
            }
        }
    }

    /** The alias' target and candidate, the newest releases and the versions jobs need. */
    private Set<String> wanted(ModelIndex index) {
        Set<String> wanted = new LinkedHashSet<>();
        source.promoted().ifPresent(t -> wanted.add(ModelKeys.of(t.name(), t.version())));
        source.candidate()
                .ifPresent(c -> wanted.add(ModelKeys.of(c.target().name(), c.target().version())));
        List<ModelIndex.Version> all = index.all();
        for (int i = all.size() - 1;
                i >= 0 && i >= all.size() - Math.max(1, config.models().maxLoaded());
                i--) {
            String key = ModelKeys.of(all.get(i).name(), all.get(i).version());
            if (!unloaded.contains(key)) {
                wanted.add(key);
            }
        }
        all.stream()
                .map(v -> ModelKeys.of(v.name(), v.version()))
                .filter(pinned::contains)
                .forEach(wanted::add);
        Set<String> needed = source.versionsNeeded();
        all.stream()
                .filter(v -> needed.contains(v.version()))
                .forEach(v -> wanted.add(ModelKeys.of(v.name(), v.version())));
        return wanted;
    }

    private void loadFromSource(ModelIndex.Version v) {
        String key = ModelKeys.of(v.name(), v.version());
        try {
            ModelRelease release = source.fetch(v);
            if (release == null) {
                failed.put(key, "its release is no longer on digits.models");
                return;
            }
            held.put(LoadedModel.open(release, v.sequence(), env, config.ort().intraOpThreads()));
        } catch (Exception e) {
            failed.put(key, "failed to load: " + e.getMessage());
            Log.errorf("model %s cannot be loaded (it stays unserved): %s", key, e.getMessage());
        }
    }

    /** The promoted version once it is loaded; before any promotion, the newest loaded release. */
    private void moveAlias(ModelIndex index) {
        Optional<Promotions.Target> promoted = source.promoted();
        LoadedModel target =
                promoted.map(t -> held.get(ModelKeys.of(t.name(), t.version())))
                        .orElseGet(() -> promoted.isPresent() ? null : held.newest(null));
        if (target != null && target != held.served()) {
            held.serve(
                    target,
                    promoted.isPresent()
                            ? "promoted"
                            : "the newest release (nothing promoted yet)");
        }
    }

    /**
     * The alias' candidate takes effect once its version is loaded (until then the target answers
     * everything); ended, it stops at once.
     */
    private void moveCandidate() {
        Optional<Promotions.Candidate> wanted = source.candidate();
        LoadedModel model =
                wanted.map(c -> held.get(ModelKeys.of(c.target().name(), c.target().version())))
                        .orElse(null);
        held.candidate(model == null ? null : new HeldModels.Candidate(model, wanted.get()));
    }

    /**
     * Loads a release directly (tests, tools); before any promotion the newest loaded release
     * serves.
     *
     * @return true when it is now loaded
     */
    public synchronized boolean load(ModelRelease release) throws OrtException {
        if (held.contains(ModelKeys.of(release.getName(), release.getVersion()))) {
            return false;
        }
        LoadedModel m =
                held.put(
                        LoadedModel.open(
                                release,
                                directSequence.incrementAndGet(),
                                env,
                                config.ort().intraOpThreads()));
        if (source == null || source.promoted().isEmpty()) {
            LoadedModel newest = held.newest(null);
            if (newest != held.served()) {
                held.serve(newest, "the newest release");
            }
        }
        return m != null;
    }

    /** A registered version's state on this replica (the repository API's index). */
    public record VersionState(String name, String version, State state, String reason) {}

    /** The repository extension's states. */
    public enum State {
        READY,
        LOADING,
        UNAVAILABLE
    }

    /** Every registered version, oldest release first, and whether this replica serves it. */
    public List<VersionState> index() {
        Source s = source;
        if (s == null) {
            return loaded().stream()
                    .map(m -> new VersionState(m.name(), m.version(), State.READY, ""))
                    .toList();
        }
        ModelIndex index = s.index();
        Set<String> wanted = wanted(index);
        return index.all().stream().map(v -> state(v, wanted)).toList();
    }

    private VersionState state(ModelIndex.Version v, Set<String> wanted) {
        String key = ModelKeys.of(v.name(), v.version());
        if (held.contains(key)) {
            return new VersionState(v.name(), v.version(), State.READY, role(key));
        }
        if (failed.containsKey(key)) {
            return new VersionState(v.name(), v.version(), State.UNAVAILABLE, failed.get(key));
        }
        if (unloaded.contains(key)) {
            return new VersionState(
                    v.name(), v.version(), State.UNAVAILABLE, "unloaded on request");
        }
        if (wanted.contains(key)) {
            return new VersionState(v.name(), v.version(), State.LOADING, "");
        }
        return new VersionState(
                v.name(),
                v.version(),
                State.UNAVAILABLE,
                "not among the "
                        + config.models().maxLoaded()
                        + " newest releases kept (inference.models.max-loaded); load it on request");
    }

    /** Why a loaded version is loaded, when the alias needs it. */
    private String role(String key) {
        if (key.equals(held.servedKey())) {
            return "the alias' target";
        }
        HeldModels.Candidate c = held.candidate();
        if (c != null && c.model().key().equals(key)) {
            return "the alias' " + c.spec().mode().name().toLowerCase(Locale.ROOT);
        }
        return pinned.contains(key) ? "loaded on request" : "";
    }

    /**
     * Loads a registered version on this replica and keeps it (whatever {@code
     * inference.models.max-loaded} says) until it is unloaded; waits until it is loaded.
     *
     * @throws UnknownModelException no such version is registered
     * @throws IllegalStateException it could not be loaded (the reason), or not in time
     */
    public VersionState loadOnRequest(String name, String version, Duration timeout)
            throws InterruptedException {
        ModelIndex.Version v = registered(name, version);
        String key = ModelKeys.of(v.name(), v.version());
        unloaded.remove(key);
        failed.remove(key);
        pinned.add(key);
        reconcile();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!held.contains(key) && !failed.containsKey(key) && System.nanoTime() < deadline) {
            changed();
            Thread.sleep(50);
        }
        VersionState state = state(v, wanted(source.index()));
        if (state.state() != State.READY) {
            throw new IllegalStateException(
                    "model '"
                            + v.name()
                            + "' version '"
                            + v.version()
                            + "' was not loaded"
                            + (state.reason().isEmpty() ? " in time" : ": " + state.reason()));
        }
        return state;
    }

    /**
     * Unloads a version from this replica at once (calls in flight finish on it) and keeps it
     * unloaded until it is loaded on request again.
     *
     * @throws UnknownModelException no such version is registered
     * @throws IllegalStateException the alias serves it (as target or candidate) or a scoring job
     *     needs it
     */
    public synchronized VersionState unloadOnRequest(String name, String version) {
        ModelIndex.Version v = checkUnloadable(name, version);
        String key = ModelKeys.of(v.name(), v.version());
        pinned.remove(key);
        unloaded.add(key);
        reconcile();
        return state(v, wanted(source.index()));
    }

    /**
     * The registered version, when it may be unloaded.
     *
     * @throws UnknownModelException no such version is registered
     * @throws IllegalStateException the alias serves it or a scoring job needs it
     */
    public ModelIndex.Version checkUnloadable(String name, String version) {
        ModelIndex.Version v = registered(name, version);
        String needed = neededBy(ModelKeys.of(v.name(), v.version()), v.version());
        if (needed != null) {
            throw new IllegalStateException(
                    "model '"
                            + v.name()
                            + "' version '"
                            + v.version()
                            + "' cannot be unloaded: "
                            + needed);
        }
        return v;
    }

    /** What keeps a version loaded whatever is asked, or null. */
    private String neededBy(String key, String version) {
        if (key.equals(held.servedKey())
                || source.promoted()
                        .map(t -> ModelKeys.of(t.name(), t.version()).equals(key))
                        .orElse(false)) {
            return "the alias '" + alias() + "' serves it (promote another version first)";
        }
        if (source.candidate()
                .map(c -> ModelKeys.of(c.target().name(), c.target().version()).equals(key))
                .orElse(false)) {
            return "it is the alias' candidate (roll it back first)";
        }
        if (source.versionsNeeded().contains(version)) {
            return "a scoring job needs it";
        }
        return null;
    }

    /**
     * A registered version: the one named, or the name's newest without a version; for the alias'
     * name, a version of any name, or the alias' target.
     */
    private ModelIndex.Version registered(String name, String version) {
        Source s = source;
        Optional<ModelIndex.Version> v = Optional.empty();
        if (s != null) {
            ModelIndex index = s.index();
            if (name.equals(alias())) {
                v =
                        version != null
                                ? index.byVersion(version)
                                : s.promoted().flatMap(t -> index.get(t.name(), t.version()));
            } else {
                v = version != null ? index.get(name, version) : index.newest(name);
            }
        }
        return v.orElseThrow(
                () ->
                        new UnknownModelException(
                                version == null
                                        ? "no version of model '" + name + "' is registered"
                                        : "model '"
                                                + name
                                                + "' has no registered version '"
                                                + version
                                                + "'"));
    }

    /** The model the alias serves now, or null (for status pages; scoring acquires). */
    public ModelInfo served() {
        LoadedModel m = held.served();
        return m == null ? null : m.info();
    }

    /**
     * The alias' candidate (a canary or a shadow) once its version is loaded; empty without one or
     * while it loads.
     */
    public Optional<Promotions.Candidate> candidate() {
        HeldModels.Candidate c = held.candidate();
        return c == null ? Optional.empty() : Optional.of(c.spec());
    }

    /**
     * Takes a reference on the alias' candidate's model, or null without a loaded candidate; pair
     * with {@link LoadedModel#release()}.
     */
    public LoadedModel acquireCandidate() {
        return held.acquireCandidate();
    }

    /** Every loaded model, newest release first. */
    public List<ModelInfo> loaded() {
        return held.loaded().stream().map(LoadedModel::info).toList();
    }

    /** Takes a reference on the alias' model; pair with {@link LoadedModel#release()}. */
    public LoadedModel acquire() {
        return held.acquire();
    }

    /**
     * Takes a reference on a model: the alias (name null or the alias), the newest loaded version
     * of a name (version null), or a version (of the name, or of any name when the name is empty).
     *
     * @throws NoModelException the alias has no model yet (503)
     * @throws UnknownModelException no such name or version is served (404)
     */
    public LoadedModel acquire(String name, String version) {
        return held.acquire(name, version);
    }

    /**
     * The model {@link #acquire(String, String)} would give, without holding it (status pages,
     * tests).
     */
    public ModelInfo find(String name, String version) {
        LoadedModel m = acquire(name, version);
        m.release();
        return m.info();
    }

    /**
     * Whether a scoring job's version can score; a version not yet read waits, unless {@code
     * givenUp}.
     */
    public Availability availability(String name, String version, boolean givenUp) {
        if (held.hasVersion(version)) {
            return Availability.LOADED;
        }
        Source s = source;
        if (s == null) {
            return Availability.GONE;
        }
        Optional<ModelIndex.Version> v = s.index().byVersion(version);
        if (v.isPresent()) {
            return failed.containsKey(ModelKeys.of(v.get().name(), version))
                    ? Availability.GONE
                    : Availability.PENDING;
        }
        return givenUp ? Availability.GONE : Availability.PENDING;
    }

    /**
     * Releases every model; waits for a reconciliation in progress (it may be inside ONNX Runtime
     * with a session this would close: a crash in native code, seen once in a test's teardown).
     */
    @PreDestroy
    public synchronized void close() {
        running = false;
        held.releaseAll();
    }
}
