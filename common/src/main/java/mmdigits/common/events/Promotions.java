package mmdigits.common.events;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelPromoted;

/**
 * Which model version each alias points at, from the {@code ModelPromoted} events of {@code
 * digits.events} (a handler of its {@link TopicLog}): the last promotion wins; a rollback returns
 * to the target before it. Keeps a bounded history per alias for rollbacks.
 */
public final class Promotions implements TopicLog.Handler<Event> {
    /** A model version: name and version. */
    public record Target(String name, String version) {}

    /** The alias' current target, the promotion's reason and the previous targets, newest first. */
    public record State(Target current, String reason, long eventOffset, List<Target> history) {}

    private static final int HISTORY = 20;
    private final Map<String, Target> current = new HashMap<>();
    private final Map<String, String> reasons = new HashMap<>();
    private final Map<String, Long> offsets = new HashMap<>();
    private final Map<String, Deque<Target>> history = new HashMap<>();

    @Override
    public synchronized void on(TopicLog.Entry<Event> entry) {
        Event event = entry.value();
        long offset = entry.offset();
        if (event == null || !event.hasModelPromoted()) {
            return;
        }
        ModelPromoted p = event.getModelPromoted();
        Target next = new Target(p.getName(), p.getVersion());
        Deque<Target> past = history.computeIfAbsent(p.getAlias(), a -> new ArrayDeque<>());
        Target before = current.get(p.getAlias());
        if (p.getRollback()) {
            // back to the target before the current one: the history's head is it
            if (!past.isEmpty() && past.peekFirst().equals(next)) {
                past.removeFirst();
            }
        } else if (before != null && !before.equals(next)) {
            past.addFirst(before);
            while (past.size() > HISTORY) {
                past.removeLast();
            }
        }
        current.put(p.getAlias(), next);
        reasons.put(p.getAlias(), p.getReason());
        offsets.put(p.getAlias(), offset);
    }

    public synchronized Optional<Target> current(String alias) {
        return Optional.ofNullable(current.get(alias));
    }

    public synchronized Optional<State> state(String alias) {
        Target t = current.get(alias);
        if (t == null) {
            return Optional.empty();
        }
        return Optional.of(
                new State(
                        t,
                        reasons.get(alias),
                        offsets.get(alias),
                        List.copyOf(history.getOrDefault(alias, new ArrayDeque<>()))));
    }
}
