package mmdigits.common.events;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.CandidateMode;
import mmdigits.common.proto.ModelPromoted;

/**
 * Which model version each alias points at, from the signed promotions of {@code digits.promotions}
 * (a handler of its {@link TopicLog}, whose check refused anything not signed by the trainer or out
 * of sequence): the last promotion wins; a rollback returns to the target before it. Keeps a
 * bounded history per alias for rollbacks, and the newest sequence (the next promotion takes a
 * higher one). Beside its target an alias may have a {@link Candidate} (a canary answering a share
 * of the requests, or a shadow answering nobody); every promotion states the alias' whole state, so
 * one without a candidate ends it.
 */
public final class Promotions implements TopicLog.Handler<ModelPromoted> {
    /** A model version: name and version. */
    public record Target(String name, String version) {}

    /**
     * A version beside the alias' target: a {@code CANARY} answers {@code percent} % of the
     * requests, a {@code SHADOW} scores a copy of the traffic and answers nobody.
     */
    public record Candidate(Target target, CandidateMode mode, int percent) {
        public boolean canary() {
            return mode == CandidateMode.CANARY;
        }

        public boolean shadow() {
            return mode == CandidateMode.SHADOW;
        }
    }

    /**
     * The alias' current target, the promotion's reason, the previous targets (newest first) and
     * its candidate, or null.
     */
    public record State(
            Target current,
            String reason,
            long eventOffset,
            List<Target> history,
            Candidate candidate) {}

    private static final int HISTORY = 20;
    private final Map<String, Target> current = new HashMap<>();
    private final Map<String, String> reasons = new HashMap<>();
    private final Map<String, Long> offsets = new HashMap<>();
    private final Map<String, Deque<Target>> history = new HashMap<>();
    private final Map<String, Candidate> candidates = new HashMap<>();
    private long newestSequence;

    @Override
    public synchronized void on(TopicLog.Entry<ModelPromoted> entry) {
        ModelPromoted p = entry.value();
        long offset = entry.offset();
        if (p == null || p.getAlias().isEmpty()) {
            return;
        }
        newestSequence = Math.max(newestSequence, p.getSequence());
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
        Candidate candidate = candidate(p);
        if (candidate == null) {
            candidates.remove(p.getAlias());
        } else {
            candidates.put(p.getAlias(), candidate);
        }
        reasons.put(p.getAlias(), p.getReason());
        offsets.put(p.getAlias(), offset);
    }

    /** The candidate a promotion states, or null (none, or a mode this reader does not know). */
    private static Candidate candidate(ModelPromoted p) {
        CandidateMode mode = p.getCandidateMode();
        if (mode != CandidateMode.CANARY && mode != CandidateMode.SHADOW) {
            return null;
        }
        return new Candidate(
                new Target(p.getCandidateName(), p.getCandidateVersion()),
                mode,
                mode == CandidateMode.CANARY ? p.getCandidatePercent() : 0);
    }

    /** The highest promotion sequence accepted: the next promotion takes a higher one. */
    public synchronized long newestSequence() {
        return newestSequence;
    }

    public synchronized Optional<Target> current(String alias) {
        return Optional.ofNullable(current.get(alias));
    }

    /** The alias' candidate beside its target, if it has one. */
    public synchronized Optional<Candidate> candidate(String alias) {
        return Optional.ofNullable(candidates.get(alias));
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
                        List.copyOf(history.getOrDefault(alias, new ArrayDeque<>())),
                        candidates.get(alias)));
    }
}
