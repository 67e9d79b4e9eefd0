package mmdigits.viz.console;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import mmdigits.common.proto.ModelPromoted;
import mmdigits.common.proto.TrainingResult;
import mmdigits.viz.console.ConsoleView.AliasChange;
import mmdigits.viz.console.ConsoleView.AliasView;
import mmdigits.viz.console.ConsoleView.VersionView;

/**
 * The model versions released (the RELEASED results on {@code digits.events}) and every move of
 * every alias: the promotions and rollbacks of {@code digits.promotions} that the log accepted
 * (signed by the trainer, in sequence). An alias serves the target of its newest move.
 */
final class ModelBoard {
    private static final int VERSIONS_KEPT = 500;
    private static final int MOVES_KEPT = 50;

    private final Bounded<String, VersionView> versions = new Bounded<>(VERSIONS_KEPT);
    private final Map<String, Deque<AliasChange>> aliases = new TreeMap<>();

    void onReleased(TrainingResult t, Long atMs) {
        String name = t.getModelName().isEmpty() ? t.getDataset() : t.getModelName();
        versions.putNewest(
                t.getModelVersion(),
                new VersionView(
                        name,
                        t.getModelVersion(),
                        t.getDataset(),
                        t.getRunId(),
                        t.getMetricsMap().get("validation_accuracy"),
                        atMs,
                        List.of()));
    }

    void onPromoted(ModelPromoted p) {
        Deque<AliasChange> moves = aliases.computeIfAbsent(p.getAlias(), a -> new ArrayDeque<>());
        moves.addFirst(
                new AliasChange(
                        p.getName(),
                        p.getVersion(),
                        blankToNull(p.getPreviousName()),
                        blankToNull(p.getPreviousVersion()),
                        p.getRollback(),
                        p.getReason(),
                        p.getSequence(),
                        p.getPromotedAtMs() > 0 ? p.getPromotedAtMs() : null));
        while (moves.size() > MOVES_KEPT) {
            moves.removeLast();
        }
    }

    private static String blankToNull(String s) {
        return s.isEmpty() ? null : s;
    }

    /** The released versions, newest first. */
    List<VersionView> versions() {
        List<VersionView> out = new ArrayList<>();
        versions.values().forEach(v -> out.add(0, v));
        return out;
    }

    /** Every alias with its target and moves, by name. */
    List<AliasView> aliases() {
        List<AliasView> out = new ArrayList<>();
        aliases.forEach(
                (alias, moves) -> {
                    AliasChange now = moves.peekFirst();
                    out.add(
                            new AliasView(
                                    alias,
                                    now.name(),
                                    now.version(),
                                    now.reason(),
                                    List.copyOf(moves)));
                });
        return out;
    }
}
