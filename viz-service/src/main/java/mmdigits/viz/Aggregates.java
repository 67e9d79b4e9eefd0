package mmdigits.viz;

import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import mmdigits.common.events.Catalog;
import mmdigits.common.events.Publication;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.Split;
import mmdigits.common.proto.TrainingProgress;
import mmdigits.common.proto.TrainingResult;
import mmdigits.viz.config.VizConfig;

/**
 * The embeddings a report still needs, per (dataset, model version) pair — the latest embedding per
 * sample id (a re-delivered record replaces, never adds) — and what the events say about them: the
 * dataset each version was trained on, its training curve, each dataset's latest test split. Only
 * pairs that will be reported are kept (a version on its own dataset's test split, any version on a
 * dataset that has no train split, a requested pair), at most {@code viz.max-pending-pairs} at
 * once; a reported pair's embeddings are dropped. A version whose training is not known yet is kept
 * until it is.
 */
@ApplicationScoped
public class Aggregates {
    /** A report's identity: a model version on a dataset's test split. */
    public record Pair(String dataset, String version) {}

    /**
     * A consistent copy of one pair's embeddings and its version's training curve, for building a
     * report.
     */
    public record Snapshot(
            Pair pair, List<Embedding> embeddings, List<TrainingProgress> training) {}

    /**
     * A pair being collected: embeddings so far, how many its test split has (null while unknown).
     */
    public record Pending(String dataset, String version, int embeddings, Long expected) {}

    private static final int RUNS_KEPT = 200;
    private static final int VERSIONS_KEPT = 10_000;

    private final VizConfig config;
    private final Catalog catalog = new Catalog();
    private final Map<String, String> trainedOn = bounded(VERSIONS_KEPT);
    private final Map<String, String> runOfVersion = bounded(VERSIONS_KEPT);
    private final Map<String, List<TrainingProgress>> progress = bounded(RUNS_KEPT);
    private final Map<Pair, Map<String, Embedding>> stored = new LinkedHashMap<>(16, 0.75f, true);
    private final Set<Pair> reported = new HashSet<>();
    private final Set<Pair> requested = new HashSet<>();

    /** A map that forgets its oldest entries beyond {@code max} (insertion order). */
    private static <K, V> Map<K, V> bounded(int max) {
        return new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > max;
            }
        };
    }

    public Aggregates(VizConfig config) {
        this.config = config;
    }

    /** The datasets published: a handler of digits.events, registered with {@link #onEvent}. */
    public Catalog catalog() {
        return catalog;
    }

    /** Training results and curves from digits.events. */
    public synchronized void onEvent(TopicLog.Entry<Event> entry) {
        Event ev = entry.value();
        if (ev == null) {
            return;
        }
        if (ev.hasTrainingProgress()) {
            TrainingProgress p = ev.getTrainingProgress();
            List<TrainingProgress> list =
                    progress.computeIfAbsent(p.getRunId(), r -> new ArrayList<>());
            list.removeIf(q -> q.getEpoch() == p.getEpoch());
            list.add(p);
            list.sort(Comparator.comparingInt(TrainingProgress::getEpoch));
        } else if (ev.hasTrainingResult() && !ev.getTrainingResult().getModelVersion().isEmpty()) {
            TrainingResult r = ev.getTrainingResult();
            runOfVersion.put(r.getModelVersion(), r.getRunId());
            if (!r.getDataset().isEmpty()) {
                trainedOn.put(r.getModelVersion(), r.getDataset());
            }
            dropUnwanted();
        }
    }

    public synchronized void add(Embedding e) {
        Pair pair = new Pair(e.getDataset(), e.getModelVersion());
        if (reported.contains(pair) || Boolean.FALSE.equals(wanted(pair))) {
            return;
        }
        Map<String, Embedding> m = stored.get(pair);
        if (m == null) {
            m = new LinkedHashMap<>();
            stored.put(pair, m);
            evictBeyondLimit();
        }
        m.put(e.getSampleId(), e);
    }

    private void evictBeyondLimit() {
        while (stored.size() > Math.max(1, config.maxPendingPairs())) {
            Pair eldest = stored.keySet().iterator().next();
            Log.warnf(
                    "more than %d reports pending: the embeddings of %s/%s are dropped (POST /reports builds it later from the topic)",
                    config.maxPendingPairs(), eldest.dataset(), eldest.version());
            stored.remove(eldest);
        }
    }

    /**
     * Whether a pair is reported by itself: TRUE for a version on the dataset it was trained on, or
     * on a dataset without a train split, or a requested pair; FALSE for a version on another
     * trained dataset; null while the version's training is not known.
     */
    Boolean wanted(Pair pair) {
        if (requested.contains(pair)) {
            return true;
        }
        String dataset = trainedOn.get(pair.version());
        if (pair.dataset().equals(dataset) || !catalog.has(pair.dataset(), Split.TRAIN)) {
            return true;
        }
        return dataset == null ? null : false;
    }

    private void dropUnwanted() {
        stored.keySet().removeIf(p -> Boolean.FALSE.equals(wanted(p)));
    }

    /** The number of samples of the dataset's latest test split, if it was published. */
    public Optional<Long> expected(String dataset) {
        return catalog.latest(dataset, Split.TEST).map(Publication::count);
    }

    /** Pairs wanted by themselves whose every test sample has an embedding. */
    public synchronized List<Pair> complete() {
        List<Pair> out = new ArrayList<>();
        for (Map.Entry<Pair, Map<String, Embedding>> e : stored.entrySet()) {
            Pair p = e.getKey();
            Optional<Long> expected = expected(p.dataset());
            if (Boolean.TRUE.equals(wanted(p))
                    && expected.isPresent()
                    && e.getValue().size() >= expected.get()) {
                out.add(p);
            }
        }
        return out;
    }

    /** Whether every test sample of the pair's dataset has an embedding of its version here. */
    public synchronized boolean complete(Pair pair) {
        Map<String, Embedding> m = stored.get(pair);
        Optional<Long> expected = expected(pair.dataset());
        return m != null
                && Boolean.TRUE.equals(wanted(pair))
                && expected.isPresent()
                && m.size() >= expected.get();
    }

    public synchronized Optional<Snapshot> snapshot(Pair pair) {
        Map<String, Embedding> m = stored.get(pair);
        if (m == null || m.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(snapshot(pair, List.copyOf(m.values())));
    }

    /**
     * A snapshot of embeddings read elsewhere (again from the topic) with this pair's training
     * curve.
     */
    public synchronized Snapshot snapshot(Pair pair, List<Embedding> embeddings) {
        String run = runOfVersion.get(pair.version());
        return new Snapshot(
                pair,
                embeddings,
                run == null ? List.of() : List.copyOf(progress.getOrDefault(run, List.of())));
    }

    /** The pair has a report: its embeddings are dropped and later ones ignored. */
    public synchronized void reported(Pair pair) {
        reported.add(pair);
        requested.remove(pair);
        stored.remove(pair);
    }

    /**
     * The pair is to be reported once complete (on request), whatever its version was trained on.
     */
    public synchronized void request(Pair pair) {
        reported.remove(pair);
        requested.add(pair);
    }

    public synchronized boolean requested(Pair pair) {
        return requested.contains(pair);
    }

    /** The dataset a version was trained on, when known. */
    public synchronized Optional<String> trainedOn(String version) {
        return Optional.ofNullable(trainedOn.get(version));
    }

    /** The newest version trained on a dataset (by the order of their results), when any. */
    public synchronized Optional<String> versionTrainedOn(String dataset) {
        String newest = null;
        for (Map.Entry<String, String> e : trainedOn.entrySet()) {
            if (e.getValue().equals(dataset)) {
                newest = e.getKey();
            }
        }
        return Optional.ofNullable(newest);
    }

    /** Whether a version was released (its training result seen) or has embeddings here. */
    public synchronized boolean knows(String version) {
        return runOfVersion.containsKey(version)
                || stored.keySet().stream().anyMatch(p -> p.version().equals(version));
    }

    /** The pairs being collected. */
    public synchronized List<Pending> pending() {
        List<Pending> out = new ArrayList<>();
        stored.forEach(
                (p, m) ->
                        out.add(
                                new Pending(
                                        p.dataset(),
                                        p.version(),
                                        m.size(),
                                        expected(p.dataset()).orElse(null))));
        return out;
    }

    /** Embeddings held in memory (all pairs). */
    public synchronized int storedEmbeddings() {
        return stored.values().stream().mapToInt(Map::size).sum();
    }
}
