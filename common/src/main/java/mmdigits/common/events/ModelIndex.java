package mmdigits.common.events;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import mmdigits.common.kafka.ModelKeys;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.ModelRelease;

/**
 * The registered model versions, from {@code digits.models} (a handler of its {@link TopicLog}):
 * what each release says about itself, without its ONNX bytes (a release is read again by its
 * offset when it is needed). A tombstone removes a version. The offset on the single-partition
 * topic is the release sequence: "newest" means the highest offset, whatever the clocks said.
 */
public final class ModelIndex implements TopicLog.Handler<ModelRelease> {
    /** One registered version. */
    public record Version(
            String name,
            String version,
            String dataset,
            String runId,
            long sequence,
            int partition,
            long createdMs,
            int embeddingDim,
            long onnxBytes,
            Map<String, Double> metrics) {

        static Version of(ModelRelease r, int partition, long offset) {
            return new Version(
                    r.getName(),
                    r.getVersion(),
                    r.getDataset(),
                    r.getRunId(),
                    offset,
                    partition,
                    r.getCreatedMs(),
                    r.getEmbeddingDim(),
                    r.getOnnx().size(),
                    Map.copyOf(r.getMetricsMap()));
        }
    }

    private final Map<String, Version> byKey = new LinkedHashMap<>();
    private long newestSequence;

    @Override
    public synchronized void on(TopicLog.Entry<ModelRelease> e) {
        if (e.value() == null) {
            byKey.remove(e.key());
            return;
        }
        ModelRelease r = e.value();
        newestSequence = Math.max(newestSequence, r.getReleaseSequence());
        if (r.getName().isEmpty() || r.getVersion().isEmpty()) {
            return;
        }
        // the key is the identity; a release of an older format (key = name) is indexed by its
        // fields
        String key =
                ModelKeys.name(e.key()) == null
                        ? ModelKeys.of(r.getName(), r.getVersion())
                        : e.key();
        byKey.remove(key);
        byKey.put(key, Version.of(r, e.partition(), e.offset()));
    }

    /**
     * The highest release sequence seen (of removed versions too): the next release takes a higher
     * one.
     */
    public synchronized long newestSequence() {
        return newestSequence;
    }

    public synchronized Optional<Version> get(String name, String version) {
        return Optional.ofNullable(byKey.get(ModelKeys.of(name, version)));
    }

    /** The version with this id under any name (versions are unique: they are run ids). */
    public synchronized Optional<Version> byVersion(String version) {
        return byKey.values().stream().filter(v -> v.version().equals(version)).findFirst();
    }

    /** Every version, oldest first. */
    public synchronized List<Version> all() {
        List<Version> out = new ArrayList<>(byKey.values());
        out.sort(Comparator.comparingLong(Version::sequence));
        return out;
    }

    /** The versions of one name, oldest first. */
    public synchronized List<Version> versions(String name) {
        return all().stream().filter(v -> v.name().equals(name)).toList();
    }

    public synchronized Optional<Version> newest(String name) {
        List<Version> v = versions(name);
        return v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
    }

    public synchronized Optional<Version> newest() {
        List<Version> v = all();
        return v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
    }

    /** The names, in the order of their newest release. */
    public synchronized List<String> names() {
        Map<String, Long> newest = new LinkedHashMap<>();
        all().forEach(v -> newest.put(v.name(), v.sequence()));
        return newest.entrySet().stream()
                .sorted(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey)
                .toList();
    }
}
