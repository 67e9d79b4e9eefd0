package mmdigits.viz.report;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.quarkus.logging.Log;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.Split;
import mmdigits.viz.Aggregates;
import mmdigits.viz.config.VizConfig;
import mmdigits.viz.drift.DriftMonitor;
import mmdigits.viz.messaging.CompletionListener;
import mmdigits.viz.messaging.EmbeddingReader;
import mmdigits.viz.messaging.SampleFetcher;
import mmdigits.viz.messaging.ShadowReader;
import mmdigits.viz.metrics.VizMetrics;
import mmdigits.viz.tracing.ReportTraces;

/**
 * Reports per (dataset, model version): built by themselves once a pair covers its dataset's test
 * split ({@code viz.auto-report}), or on request; one build at a time, in the background. The index
 * of reports ({@code index.json} beside them) is written at every change and read at start: a
 * restarted service serves its reports at once and builds none of them again.
 */
@ApplicationScoped
public class ReportService implements CompletionListener {
    public enum State {
        BUILDING,
        READY,
        FAILED
    }

    /**
     * A report's state; {@code progress} the stage while BUILDING, {@code summary} once READY,
     * {@code error} when FAILED.
     */
    public record Info(
            String dataset,
            String version,
            State state,
            int samples,
            ReportBuilder.Summary summary,
            String error,
            long updatedMs,
            String progress) {
        Info withProgress(String stage) {
            return new Info(dataset, version, state, samples, summary, error, updatedMs, stage);
        }
    }

    /** The progress of a report whose build waits for the builder thread (the queue). */
    static final String WAITING = "waiting for the builder";

    private static final ObjectMapper JSON =
            new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Aggregates aggregates;
    private final VizConfig config;
    private final ReportBuilder builder;
    private final EmbeddingReader reader;
    private final VizMetrics metrics;
    private final ReportTraces traces;
    private final Map<Aggregates.Pair, Info> reports = new ConcurrentHashMap<>();
    private final ExecutorService worker =
            Executors.newSingleThreadExecutor(
                    r -> {
                        Thread t = new Thread(r, "report-builder");
                        t.setDaemon(true);
                        return t;
                    });
    private volatile boolean caughtUp;

    public ReportService(
            Aggregates aggregates,
            VizConfig config,
            SampleFetcher samples,
            EmbeddingReader reader,
            ShadowReader shadows,
            VizMetrics metrics,
            ReportTraces traces,
            DriftMonitor drift) {
        this.aggregates = aggregates;
        this.traces = traces;
        this.config = config;
        this.reader = reader;
        this.metrics = metrics;
        metrics.watchReports(
                () ->
                        reports.values().stream()
                                .collect(
                                        Collectors.groupingBy(
                                                i -> i.state().name(), Collectors.counting())));
        metrics.watchQueue(
                () ->
                        reports.values().stream()
                                .filter(i -> i.state() == State.BUILDING)
                                .filter(i -> WAITING.equals(i.progress()))
                                .count());
        this.builder =
                new ReportBuilder(
                        config,
                        (ids, dataset) ->
                                samples.fetch(
                                        ids, aggregates.catalog().latest(dataset, Split.TEST)),
                        shadows::read,
                        drift);
    }

    /**
     * The reports of earlier processes, from the index; a report that was being built is built
     * again when its pair completes.
     */
    @PostConstruct
    void loadIndex() {
        Path index = config.outputDir().resolve("index.json");
        if (!Files.exists(index)) {
            return;
        }
        try {
            List<Info> saved = JSON.readValue(index.toFile(), new TypeReference<List<Info>>() {});
            for (Info i : saved) {
                Aggregates.Pair pair = new Aggregates.Pair(i.dataset(), i.version());
                if (i.state() == State.READY
                        && Files.isRegularFile(directory(pair).resolve("index.html"))) {
                    reports.put(pair, i);
                    aggregates.reported(pair);
                } else if (i.state() == State.FAILED) {
                    reports.put(pair, i);
                }
            }
            Log.infof("%d reports from %s", reports.size(), index);
        } catch (IOException e) {
            Log.warnf(
                    "the report index %s is unreadable (%s): reports are built again as their data completes",
                    index, e.getMessage());
        }
    }

    public Path directory(Aggregates.Pair pair) {
        return config.outputDir().resolve(safe(pair.dataset())).resolve(safe(pair.version()));
    }

    /** Names become folder names: anything but letters, digits, '.', '_' and '-' is replaced. */
    static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** Both topics were read to their ends: reports may now start by themselves. */
    @Override
    public void caughtUp() {
        caughtUp = true;
        checkComplete();
    }

    /**
     * Starts the reports of complete pairs that have none yet (by themselves when auto-report is
     * on, else those requested).
     */
    @Override
    public void checkComplete() {
        if (caughtUp) {
            aggregates.complete().stream()
                    .filter(p -> config.autoReport() || aggregates.requested(p))
                    .forEach(this::startIfNew);
        }
    }

    @Override
    public void checkComplete(Aggregates.Pair pair) {
        if (caughtUp
                && (config.autoReport() || aggregates.requested(pair))
                && !reports.containsKey(pair)
                && aggregates.complete(pair)) {
            startIfNew(pair);
        }
    }

    private synchronized void startIfNew(Aggregates.Pair pair) {
        if (!reports.containsKey(pair)) {
            Log.infof(
                    "dataset '%s', model %s: every test sample has an embedding; building its report",
                    pair.dataset(), pair.version());
            aggregates.snapshot(pair).ifPresent(this::build);
        }
    }

    /**
     * Builds (again) the report of a pair: from the embeddings held here, else read again from the
     * topic.
     *
     * @return the report's state, or empty when the topic has no embedding of the pair
     */
    public synchronized Optional<Info> submit(Aggregates.Pair pair) {
        Info current = reports.get(pair);
        if (current != null && current.state() == State.BUILDING) {
            return Optional.of(current);
        }
        Optional<Aggregates.Snapshot> held = aggregates.snapshot(pair);
        if (held.isPresent()) {
            return Optional.of(build(held.get()));
        }
        List<Embedding> again = reader.read(pair);
        if (again.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(build(aggregates.snapshot(pair, again)));
    }

    private synchronized Info build(Aggregates.Snapshot snap) {
        Aggregates.Pair pair = snap.pair();
        Info building =
                new Info(
                        pair.dataset(),
                        pair.version(),
                        State.BUILDING,
                        snap.embeddings().size(),
                        null,
                        null,
                        System.currentTimeMillis(),
                        WAITING);
        put(pair, building);
        worker.submit(() -> buildInBackground(snap, building));
        return building;
    }

    /** On the builder's thread: the report, then READY or FAILED in the index. */
    private void buildInBackground(Aggregates.Snapshot snap, Info building) {
        Aggregates.Pair pair = snap.pair();
        try {
            Report report =
                    traces.build(
                            pair,
                            snap.embeddings().size(),
                            () ->
                                    builder.build(
                                            snap,
                                            directory(pair),
                                            stage ->
                                                    reports.computeIfPresent(
                                                            pair,
                                                            (p, i) -> i.withProgress(stage))));
            ready(pair, report);
        } catch (Exception | Error e) {
            Log.errorf(e, "report of %s/%s failed", pair.dataset(), pair.version());
            put(
                    pair,
                    new Info(
                            pair.dataset(),
                            pair.version(),
                            State.FAILED,
                            building.samples(),
                            null,
                            String.valueOf(e.getMessage()),
                            System.currentTimeMillis(),
                            null));
        }
    }

    private void ready(Aggregates.Pair pair, Report report) {
        ReportBuilder.Summary s = ReportBuilder.Summary.of(report);
        put(
                pair,
                new Info(
                        pair.dataset(),
                        pair.version(),
                        State.READY,
                        s.samples(),
                        s,
                        null,
                        System.currentTimeMillis(),
                        null));
        Report.Seconds seconds = report.seconds();
        metrics.built(seconds.tsne(), seconds.kmeans(), seconds.metrics(), seconds.total());
        aggregates.reported(pair);
    }

    private void put(Aggregates.Pair pair, Info info) {
        reports.put(pair, info);
        writeIndex();
    }

    /** index.json, written to a temporary file and moved into place. */
    private synchronized void writeIndex() {
        try {
            Files.createDirectories(config.outputDir());
            Path tmp = config.outputDir().resolve("index.json.tmp");
            JSON.writeValue(tmp.toFile(), list(null, null));
            Files.move(
                    tmp,
                    config.outputDir().resolve("index.json"),
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Log.warnf("could not write the report index: %s", e.getMessage());
        }
    }

    /** The reports, oldest first; {@code dataset} and {@code version} filter when given. */
    public List<Info> list(String dataset, String version) {
        List<Info> out = new ArrayList<>();
        for (Info i : reports.values()) {
            if ((dataset == null || dataset.equals(i.dataset()))
                    && (version == null || version.equals(i.version()))) {
                out.add(i);
            }
        }
        out.sort(Comparator.comparingLong(Info::updatedMs));
        return out;
    }

    public Optional<Info> get(Aggregates.Pair pair) {
        return Optional.ofNullable(reports.get(pair));
    }

    /** The most recently finished report. */
    public Optional<Info> latest() {
        return reports.values().stream()
                .filter(i -> i.state() == State.READY)
                .max(Comparator.comparingLong(Info::updatedMs));
    }

    @PreDestroy
    void stop() {
        worker.shutdownNow();
    }
}
