package mmdigits.viz.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.logging.Log;

import mmdigits.viz.Aggregates;
import mmdigits.viz.config.VizConfig;
import mmdigits.viz.messaging.SampleFetcher;

/**
 * Reports per model version: built by themselves once a version covers every announced test sample
 * ({@code viz.auto-report}), or on request; one build at a time, in the background.
 */
@ApplicationScoped
public class ReportService {
    public enum State {
        BUILDING, READY, FAILED
    }

    /** A report's state; {@code summary} once READY, {@code error} when FAILED. */
    public record Info(String version, State state, int samples, ReportBuilder.Summary summary, String error, long updatedMs) {
    }

    private final Aggregates aggregates;
    private final VizConfig config;
    private final ReportBuilder builder;
    private final Map<String, Info> reports = new ConcurrentHashMap<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "report-builder");
        t.setDaemon(true);
        return t;
    });

    public ReportService(Aggregates aggregates, VizConfig config, SampleFetcher samples) {
        this.aggregates = aggregates;
        this.config = config;
        this.builder = new ReportBuilder(config, samples::fetch);
    }

    public Path directory(String version) {
        return config.outputDir().resolve(safe(version));
    }

    /** Version strings become folder names: anything but letters, digits, '.', '_' and '-' is replaced. */
    static String safe(String version) {
        return version.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** Starts the reports of complete versions that have none yet. */
    public void checkComplete() {
        if (!config.autoReport()) {
            return;
        }
        for (String v : aggregates.versions()) {
            if (!reports.containsKey(v) && aggregates.missing(v).orElse(-1L) == 0) {
                Log.infof("model %s: every announced test sample has an embedding (%,d); building its report", v, aggregates.count(v));
                submit(v);
            }
        }
    }

    /** Builds (again) the report of a version; empty when no embedding of it was seen. */
    public synchronized Optional<Info> submit(String version) {
        Optional<Aggregates.Snapshot> snap = aggregates.snapshot(version);
        if (snap.isEmpty()) {
            return Optional.empty();
        }
        Info current = reports.get(version);
        if (current != null && current.state() == State.BUILDING) {
            return Optional.of(current);
        }
        Info building = new Info(version, State.BUILDING, snap.get().embeddings().size(), null, null, System.currentTimeMillis());
        reports.put(version, building);
        worker.submit(() -> {
            try {
                ReportBuilder.Summary s = builder.build(snap.get(), directory(version));
                reports.put(version, new Info(version, State.READY, s.samples(), s, null, System.currentTimeMillis()));
            } catch (Exception | Error e) {
                Log.errorf(e, "report of %s failed", version);
                reports.put(version, new Info(version, State.FAILED, building.samples(), null, String.valueOf(e.getMessage()),
                        System.currentTimeMillis()));
            }
        });
        return Optional.of(building);
    }

    /** All reports, in the order their versions were first seen. */
    public List<Info> list() {
        List<Info> out = new ArrayList<>();
        for (String v : aggregates.versions()) {
            Info i = reports.get(v);
            if (i != null) {
                out.add(i);
            }
        }
        return out;
    }

    public Optional<Info> get(String version) {
        return Optional.ofNullable(reports.get(version));
    }

    /** The newest version with a finished report. */
    public Optional<Info> latest() {
        List<Info> all = list();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).state() == State.READY) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }

    @PreDestroy
    void stop() {
        worker.shutdownNow();
    }
}
