package mmdigits.common.events;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.Split;

/**
 * The latest publication of each dataset split, from {@code digits.events} (a handler of its {@link
 * TopicLog}).
 */
public final class Catalog implements TopicLog.Handler<Event> {
    private final Map<String, Publication> latest = new HashMap<>();

    @Override
    public synchronized void on(TopicLog.Entry<Event> entry) {
        Event event = entry.value();
        if (event != null && event.hasDatasetPublished()) {
            Publication p = Publication.of(event.getDatasetPublished(), entry.offset());
            latest.put(key(p.dataset(), p.split()), p);
        }
    }

    public synchronized Optional<Publication> latest(String dataset, Split split) {
        return Optional.ofNullable(latest.get(key(dataset, split)));
    }

    /** Whether a split of this dataset was ever published. */
    public synchronized boolean has(String dataset, Split split) {
        return latest.containsKey(key(dataset, split));
    }

    private static String key(String dataset, Split split) {
        return dataset + "/" + split;
    }
}
