package mmdigits.inference.model;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import mmdigits.common.events.Promotions;
import mmdigits.common.kafka.ModelKeys;

/**
 * The models held in ONNX Runtime sessions, by key, and the one the alias serves; what the {@link
 * ModelRegistry} decides to load or unload lands here, and every lookup takes a reference on the
 * model it finds.
 */
final class HeldModels {
    /** The alias' candidate: its loaded model (on which it holds a reference) and what it does. */
    record Candidate(LoadedModel model, Promotions.Candidate spec) {}

    private final String alias;
    private final MeterRegistry meters;
    private final Map<String, LoadedModel> loaded = new ConcurrentHashMap<>();
    private final AtomicReference<LoadedModel> served = new AtomicReference<>();
    private final AtomicReference<Candidate> candidate = new AtomicReference<>();
    private Gauge servedGauge;

    HeldModels(String alias, MeterRegistry meters) {
        this.alias = alias;
        this.meters = meters;
        Gauge.builder("mmdigits.inference.models.loaded", loaded, Map::size)
                .description("Model versions held in ONNX Runtime sessions")
                .register(meters);
    }

    boolean contains(String key) {
        return loaded.containsKey(key);
    }

    LoadedModel get(String key) {
        return loaded.get(key);
    }

    boolean hasVersion(String version) {
        return loaded.values().stream().anyMatch(m -> m.version().equals(version));
    }

    LoadedModel put(LoadedModel m) {
        LoadedModel old = loaded.put(m.key(), m);
        if (old != null) {
            old.release();
        }
        Log.infof(
                "model %s loaded (dataset %s, embedding %d, release #%d, validation accuracy %s)",
                m.key(),
                m.dataset(),
                m.embeddingDim(),
                m.sequence(),
                m.metrics().getOrDefault("validation_accuracy", Double.NaN));
        return m;
    }

    /**
     * The alias holds a reference of its own on its model: unloading it from the map does not close
     * it.
     */
    void serve(LoadedModel target, String why) {
        target.retain();
        LoadedModel before = served.getAndSet(target);
        if (servedGauge != null) {
            meters.remove(servedGauge);
        }
        servedGauge =
                Gauge.builder("mmdigits.inference.model.loaded", target, LoadedModel::sequence)
                        .description(
                                "Release sequence of the model the alias serves, tagged with its version")
                        .tag("version", target.version())
                        .tag("name", target.name())
                        .register(meters);
        Log.infof(
                "alias '%s' serves %s (%s)%s",
                alias, target.key(), why, before == null ? "" : ", was " + before.key());
        if (before != null) {
            before.release();
        }
    }

    /**
     * Sets the alias' candidate (null: none); like the alias, it holds its own reference on its
     * model.
     */
    void candidate(Candidate next) {
        Candidate before = candidate.get();
        if (Objects.equals(before, next)) {
            return;
        }
        if (next != null) {
            next.model().retain();
        }
        candidate.set(next);
        if (next == null) {
            Log.infof("alias '%s' has no candidate now, was %s", alias, before.model().key());
        } else {
            Log.infof(
                    "alias '%s' has the candidate %s (%s%s)",
                    alias,
                    next.model().key(),
                    next.spec().mode(),
                    next.spec().canary() ? " " + next.spec().percent() + " %" : "");
        }
        if (before != null) {
            before.model().release();
        }
    }

    Candidate candidate() {
        return candidate.get();
    }

    /** A reference on the candidate's model, or null without a candidate. */
    LoadedModel acquireCandidate() {
        while (true) {
            Candidate c = candidate.get();
            if (c == null) {
                return null;
            }
            if (c.model().retain()) {
                return c.model();
            }
        }
    }

    void unload(LoadedModel m, String why) {
        if (loaded.remove(m.key(), m)) {
            Log.infof("model %s unloaded: %s", m.key(), why);
            m.release();
        }
    }

    String servedKey() {
        LoadedModel m = served.get();
        return m == null ? null : m.key();
    }

    LoadedModel newest(String name) {
        return loaded.values().stream()
                .filter(m -> name == null || m.name().equals(name))
                .max(Comparator.comparingLong(LoadedModel::sequence))
                .orElse(null);
    }

    LoadedModel served() {
        return served.get();
    }

    /** Newest release first. */
    List<LoadedModel> loaded() {
        List<LoadedModel> out = new ArrayList<>(loaded.values());
        out.sort(Comparator.comparingLong(LoadedModel::sequence).reversed());
        return out;
    }

    /** See {@link ModelRegistry#acquire()}. */
    LoadedModel acquire() {
        while (true) {
            LoadedModel m = served.get();
            if (m == null) {
                throw new NoModelException(alias);
            }
            if (m.retain()) {
                return m;
            }
        }
    }

    /** See {@link ModelRegistry#acquire(String, String)}. */
    LoadedModel acquire(String name, String version) {
        // no name (a scoring request that names only the version, as viz's do): the version alone
        boolean isAlias = name == null || name.isEmpty() || name.equals(alias);
        if (isAlias && version == null) {
            return acquire();
        }
        while (true) {
            LoadedModel m =
                    isAlias
                            ? loaded.values().stream()
                                    .filter(x -> x.version().equals(version))
                                    .findFirst()
                                    .orElse(null)
                            : version == null
                                    ? newest(name)
                                    : loaded.get(ModelKeys.of(name, version));
            if (m == null) {
                throw new UnknownModelException(unknown(name, version));
            }
            if (m.retain()) {
                return m;
            }
        }
    }

    private String unknown(String name, String version) {
        Set<String> names = new HashSet<>();
        loaded.values().forEach(m -> names.add(m.name()));
        return (version == null
                        ? "unknown model '" + name + "'"
                        : "model '" + name + "' version '" + version + "' is not loaded")
                + "; this server serves '"
                + alias
                + "' (the alias) and the names "
                + names.stream().sorted().map(n -> "'" + n + "'").toList();
    }

    /** Releases every model, the alias' own reference included. */
    void releaseAll() {
        for (LoadedModel m : List.copyOf(loaded.values())) {
            if (loaded.remove(m.key(), m)) {
                m.release();
            }
        }
        LoadedModel s = served.getAndSet(null);
        if (s != null) {
            s.release();
        }
        Candidate c = candidate.getAndSet(null);
        if (c != null) {
            c.model().release();
        }
    }
}
