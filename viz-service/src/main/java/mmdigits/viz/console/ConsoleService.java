package mmdigits.viz.console;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import mmdigits.viz.config.VizConfig;
import mmdigits.viz.console.ConsoleView.AliasView;
import mmdigits.viz.console.ConsoleView.Models;
import mmdigits.viz.console.ConsoleView.ReportView;
import mmdigits.viz.console.ConsoleView.VersionView;
import mmdigits.viz.messaging.VizLogs;
import mmdigits.viz.report.ReportService;

/**
 * Puts the console's state together: the {@link PipelineBoard}'s copy of the logs, the trainer's
 * registry when it answers ({@link TrainerRegistry}), the reports of this replica, and which
 * actions can be forwarded.
 */
@ApplicationScoped
public class ConsoleService {
    private static final int REPORTS_SHOWN = 100;

    private final PipelineBoard board;
    private final TrainerRegistry registry;
    private final ReportService reports;
    private final VizLogs logs;
    private final VizConfig config;

    public ConsoleService(
            PipelineBoard board,
            TrainerRegistry registry,
            ReportService reports,
            VizLogs logs,
            VizConfig config) {
        this.board = board;
        this.registry = registry;
        this.reports = reports;
        this.logs = logs;
        this.config = config;
    }

    public ConsoleView state() {
        PipelineBoard.Snapshot s = board.snapshot();
        Models models =
                registry.versions()
                        .map(v -> new Models("trainer-service", v))
                        .orElse(new Models("digits.events", s.versions()));
        return new ConsoleView(
                System.currentTimeMillis(),
                logs.caughtUp(),
                config.alias(),
                s.datasets(),
                s.runs(),
                withAliases(models, s.aliases()),
                s.aliases(),
                s.jobs(),
                reports(),
                new ConsoleView.Actions(
                        config.console().trainerUrl().isPresent(),
                        config.console().inferenceUrl().isPresent()));
    }

    /** Each version with the aliases that serve it. */
    static Models withAliases(Models models, List<AliasView> aliases) {
        Map<String, List<String>> serving =
                aliases.stream()
                        .collect(
                                Collectors.groupingBy(
                                        a -> a.name() + "/" + a.version(),
                                        Collectors.mapping(AliasView::alias, Collectors.toList())));
        List<VersionView> out = new ArrayList<>();
        for (VersionView v : models.versions()) {
            out.add(
                    new VersionView(
                            v.name(),
                            v.version(),
                            v.dataset(),
                            v.runId(),
                            v.validationAccuracy(),
                            v.releasedMs(),
                            serving.getOrDefault(v.name() + "/" + v.version(), List.of())));
        }
        return new Models(models.source(), out);
    }

    private List<ReportView> reports() {
        return reports.list(null, null).stream()
                .sorted(Comparator.comparingLong(ReportService.Info::updatedMs).reversed())
                .limit(REPORTS_SHOWN)
                .map(ConsoleService::report)
                .toList();
    }

    private static ReportView report(ReportService.Info i) {
        boolean ready = i.state() == ReportService.State.READY;
        String base = "/reports/" + i.dataset() + "/" + i.version() + "/";
        return new ReportView(
                i.dataset(),
                i.version(),
                i.state().name(),
                i.progress(),
                i.summary() == null ? null : i.summary().accuracy(),
                i.samples(),
                ready ? base + "index.html" : null,
                ready ? base + "predictions.csv" : null,
                i.error(),
                i.updatedMs());
    }
}
