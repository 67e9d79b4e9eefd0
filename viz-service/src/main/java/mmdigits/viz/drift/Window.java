package mmdigits.viz.drift;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The latest {@code size} values of a stream by sample id: a re-delivered record replaces its
 * sample's value (and counts as the newest), never adds one. Not thread-safe: the monitor guards
 * it.
 */
final class Window<T> {
    private final Map<String, T> values;
    private long changes;

    Window(int size) {
        this.values =
                new LinkedHashMap<>(16, 0.75f, false) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<String, T> eldest) {
                        return size() > size;
                    }
                };
    }

    void add(String sampleId, T value) {
        values.remove(sampleId);
        values.put(sampleId, value);
        changes++;
    }

    boolean contains(String sampleId) {
        return values.containsKey(sampleId);
    }

    int size() {
        return values.size();
    }

    /** Counts every add: a measure computed at one count holds until the next add. */
    long changes() {
        return changes;
    }

    List<T> values() {
        return new ArrayList<>(values.values());
    }
}
