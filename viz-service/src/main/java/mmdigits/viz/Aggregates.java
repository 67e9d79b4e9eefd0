package mmdigits.viz;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.Split;
import mmdigits.common.proto.TrainingProgress;
import mmdigits.common.proto.TrainingResult;

/**
 * What the viz service has read: the latest embedding per sample id per model version (a
 * re-delivered record replaces, never adds), the test splits announced by {@code DatasetPublished},
 * and the training history of each model version.
 */
@ApplicationScoped
public class Aggregates {
    private final Map<String, Map<String, Embedding>> byVersion = new HashMap<>();
    private final Map<String, Long> firstSeen = new HashMap<>();
    private final Map<String, DatasetPublished> testSplits = new HashMap<>();
    private final Map<String, List<TrainingProgress>> progress = new HashMap<>();
    private final Map<String, String> runOfVersion = new HashMap<>();

    /** A consistent copy of one version's embeddings and context, for building a report. */
    public record Snapshot(String version, List<Embedding> embeddings, Map<String, DatasetPublished> announced,
            List<TrainingProgress> training) {
    }

    public synchronized void add(Embedding e) {
        byVersion.computeIfAbsent(e.getModelVersion(), v -> {
            firstSeen.put(v, System.currentTimeMillis());
            return new LinkedHashMap<>();
        }).put(e.getSampleId(), e);
    }

    public synchronized void add(DatasetPublished d) {
        if (d.getSplit() == Split.TEST) {
            testSplits.put(d.getDataset(), d);
        }
    }

    public synchronized void add(TrainingProgress p) {
        List<TrainingProgress> list = progress.computeIfAbsent(p.getRunId(), r -> new ArrayList<>());
        list.removeIf(q -> q.getEpoch() == p.getEpoch());
        list.add(p);
        list.sort(Comparator.comparingInt(TrainingProgress::getEpoch));
    }

    public synchronized void add(TrainingResult r) {
        if (!r.getModelVersion().isEmpty()) {
            runOfVersion.put(r.getModelVersion(), r.getRunId());
        }
    }

    public synchronized List<String> versions() {
        List<String> v = new ArrayList<>(byVersion.keySet());
        v.sort(Comparator.comparing(firstSeen::get));
        return v;
    }

    public synchronized int count(String version) {
        Map<String, Embedding> m = byVersion.get(version);
        return m == null ? 0 : m.size();
    }

    /**
     * Samples still missing for a version to cover every announced test split of the datasets it
     * scored; empty when nothing was announced for them (then only {@code POST /reports} builds).
     */
    public synchronized Optional<Long> missing(String version) {
        Map<String, Embedding> m = byVersion.get(version);
        if (m == null) {
            return Optional.empty();
        }
        Map<String, Long> have = new HashMap<>();
        for (Embedding e : m.values()) {
            have.merge(e.getDataset(), 1L, Long::sum);
        }
        long missing = 0;
        boolean announced = false;
        for (var e : have.entrySet()) {
            DatasetPublished d = testSplits.get(e.getKey());
            if (d != null) {
                announced = true;
                missing += Math.max(0, d.getCount() - e.getValue());
            }
        }
        return announced ? Optional.of(missing) : Optional.empty();
    }

    public synchronized Optional<Snapshot> snapshot(String version) {
        Map<String, Embedding> m = byVersion.get(version);
        if (m == null || m.isEmpty()) {
            return Optional.empty();
        }
        String run = runOfVersion.get(version);
        return Optional.of(new Snapshot(version, List.copyOf(m.values()), Map.copyOf(testSplits),
                run == null ? List.of() : List.copyOf(progress.getOrDefault(run, List.of()))));
    }
}
