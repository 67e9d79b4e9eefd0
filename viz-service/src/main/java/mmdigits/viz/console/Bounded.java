package mmdigits.viz.console;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A map in insertion order that forgets its oldest entries beyond a size: the console's memory
 * stays bounded whatever the length of the logs it follows.
 */
final class Bounded<K, V> extends LinkedHashMap<K, V> {
    private final int max;

    Bounded(int max) {
        this.max = max;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > max;
    }

    /** Puts the value as the newest entry (a known key moves to the end). */
    V putNewest(K key, V value) {
        remove(key);
        return put(key, value);
    }
}
