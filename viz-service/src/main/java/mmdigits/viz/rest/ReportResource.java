package mmdigits.viz.rest;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mmdigits.common.events.Promotions;
import mmdigits.common.events.ScoringRequests;
import mmdigits.common.rest.ProblemException;
import mmdigits.viz.Aggregates;
import mmdigits.viz.config.VizConfig;
import mmdigits.viz.messaging.VizLogs;
import mmdigits.viz.report.ReportService;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.reactive.messaging.Channel;

@jakarta.ws.rs.Path("/reports")
@Tag(
        name = "reports",
        description =
                "t-SNE, K-means, metrics and predictions.csv per dataset test split and model version")
public class ReportResource {
    private final ReportService reports;
    private final Aggregates aggregates;
    private final VizLogs logs;
    private final String alias;
    private final MutinyEmitter<byte[]> requests;

    public ReportResource(
            ReportService reports,
            Aggregates aggregates,
            VizLogs logs,
            VizConfig config,
            @Channel(ScoringRequests.CHANNEL) MutinyEmitter<byte[]> requests) {
        this.reports = reports;
        this.aggregates = aggregates;
        this.logs = logs;
        this.alias = config.alias();
        this.requests = requests;
    }

    public record Listing(List<ReportService.Info> reports, List<Aggregates.Pending> pending) {}

    /**
     * {@code dataset} required; {@code version} defaults to the newest version trained on it, else
     * the promoted one.
     */
    public record BuildRequest(
            @NotBlank(message = "is required (whose test split to report)") String dataset,
            String version) {}

    /** What a build request started: a report being built, or the scoring it waits for. */
    public record Requested(
            String dataset, String version, String state, ReportService.Info report) {}

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary =
                    "Reports (?dataset= and ?version= filter) and the pairs still being collected")
    public Listing list(
            @QueryParam("dataset") String dataset, @QueryParam("version") String version) {
        return new Listing(
                reports.list(dataset, version),
                aggregates.pending().stream()
                        .filter(
                                p ->
                                        (dataset == null || dataset.equals(p.dataset()))
                                                && (version == null || version.equals(p.version())))
                        .toList());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Build (again) the report of a dataset's test split scored by a version",
            description =
                    "{\"dataset\": ..., \"version\": ...}. Embeddings missing? The version scores the split first (a scoring "
                            + "request to the inference service) and the report follows by itself.")
    @APIResponse(responseCode = "202", description = "building, or scoring first")
    @APIResponse(responseCode = "404", description = "no such dataset test split or version")
    public Response build(@Valid BuildRequest body) throws Exception {
        if (body == null) {
            throw ProblemException.badRequest(
                    "dataset: is required (whose test split to report)", "dataset");
        }
        String version =
                body.version() != null && !body.version().isBlank()
                        ? body.version()
                        : defaultVersion(body.dataset());
        Aggregates.Pair pair = new Aggregates.Pair(body.dataset(), version);
        var started = reports.submit(pair);
        if (started.isPresent()) {
            return Response.accepted(
                            new Requested(
                                    pair.dataset(),
                                    version,
                                    started.get().state().name(),
                                    started.get()))
                    .location(URI.create(link(pair, "index.html")))
                    .build();
        }
        if (aggregates.expected(pair.dataset()).isEmpty()) {
            throw ProblemException.notFound(
                    "dataset: no test split of '" + pair.dataset() + "' was published");
        }
        if (!aggregates.knows(version)) {
            throw ProblemException.notFound(
                    "version: model version '"
                            + version
                            + "' is not known here (no release, no embeddings)");
        }
        aggregates.request(pair);
        requests.sendMessageAndAwait(
                KafkaRecord.of(
                        pair.dataset(),
                        ScoringRequests.event(pair.dataset(), "", version, "viz-service")
                                .toByteArray()));
        return Response.accepted(new Requested(pair.dataset(), version, "SCORING", null)).build();
    }

    private String defaultVersion(String dataset) {
        return aggregates
                .versionTrainedOn(dataset)
                .or(() -> logs.promotions().current(alias).map(Promotions.Target::version))
                .orElseThrow(
                        () ->
                                ProblemException.notFound(
                                        "version: no model was trained on '"
                                                + dataset
                                                + "' and none is promoted"));
    }

    @GET
    @jakarta.ws.rs.Path("/latest")
    @Operation(summary = "The most recently finished report (redirect)")
    public Response latest() {
        ReportService.Info info =
                reports.latest()
                        .orElseThrow(() -> ProblemException.notFound("no report is finished yet"));
        return Response.seeOther(
                        URI.create(
                                link(
                                        new Aggregates.Pair(info.dataset(), info.version()),
                                        "index.html")))
                .build();
    }

    @GET
    @jakarta.ws.rs.Path("/{dataset}/{version}")
    @Operation(summary = "A report's page (redirect to its index.html)")
    public Response page(
            @PathParam("dataset") String dataset, @PathParam("version") String version) {
        return Response.seeOther(
                        URI.create(link(new Aggregates.Pair(dataset, version), "index.html")))
                .build();
    }

    @GET
    @jakarta.ws.rs.Path("/{dataset}/{version}/{file}")
    @Operation(summary = "A file of a report: index.html, report.json, predictions.csv, plots")
    public Response file(
            @PathParam("dataset") String dataset,
            @PathParam("version") String version,
            @PathParam("file") String file) {
        if (!file.matches("[A-Za-z0-9._-]+") || file.startsWith(".")) {
            throw ProblemException.badRequest(
                    "file: '" + file + "' is not a report file name", "file");
        }
        Aggregates.Pair pair = new Aggregates.Pair(dataset, version);
        ReportService.Info info =
                reports.get(pair)
                        .orElseThrow(
                                () ->
                                        ProblemException.notFound(
                                                "version: no report of model version '"
                                                        + version
                                                        + "' on dataset '"
                                                        + dataset
                                                        + "'"));
        if (info.state() != ReportService.State.READY) {
            throw ProblemException.notFound(
                    "version: the report of '"
                            + version
                            + "' on '"
                            + dataset
                            + "' is "
                            + info.state()
                            + (info.error() == null ? "" : ": " + info.error()));
        }
        Path p = reports.directory(pair).resolve(file);
        if (!Files.isRegularFile(p)) {
            throw ProblemException.notFound(
                    "file: the report of '" + version + "' on '" + dataset + "' has no " + file);
        }
        return Response.ok(p.toFile())
                .type(
                        TYPES.getOrDefault(
                                file.substring(file.lastIndexOf('.') + 1),
                                "application/octet-stream"))
                .build();
    }

    static String link(Aggregates.Pair pair, String file) {
        return "/reports/" + pair.dataset() + "/" + pair.version() + "/" + file;
    }

    static final Map<String, String> TYPES =
            Map.of(
                    "html",
                    "text/html; charset=utf-8",
                    "json",
                    "application/json",
                    "csv",
                    "text/csv; charset=utf-8",
                    "png",
                    "image/png",
                    "svg",
                    "image/svg+xml",
                    "js",
                    "text/javascript; charset=utf-8");
}
