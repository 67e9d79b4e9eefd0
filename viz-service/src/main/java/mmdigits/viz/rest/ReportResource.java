package mmdigits.viz.rest;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import mmdigits.common.rest.ProblemException;
import mmdigits.viz.Aggregates;
import mmdigits.viz.report.ReportService;

@jakarta.ws.rs.Path("/reports")
@Tag(name = "reports", description = "t-SNE, K-means, metrics and predictions.csv per model version")
public class ReportResource {
    private final ReportService reports;
    private final Aggregates aggregates;

    public ReportResource(ReportService reports, Aggregates aggregates) {
        this.reports = reports;
        this.aggregates = aggregates;
    }

    /** A model version seen on digits.embeddings: samples with an embedding, samples still missing (null if not announced). */
    public record VersionStatus(String version, int embeddings, Long missing) {
    }

    public record Listing(List<ReportService.Info> reports, List<VersionStatus> versions) {
    }

    public record BuildRequest(String version) {
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Reports and the model versions seen")
    public Listing list() {
        return new Listing(reports.list(), aggregates.versions().stream()
                .map(v -> new VersionStatus(v, aggregates.count(v), aggregates.missing(v).orElse(null))).toList());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Build (again) the report of a version now", description = "{\"version\": ...}; default: the newest version seen")
    public Response build(BuildRequest body) {
        String version = body == null || body.version() == null || body.version().isBlank() ? newest() : body.version();
        ReportService.Info info = reports.submit(version)
                .orElseThrow(() -> ProblemException.notFound("version: no embedding of model version '" + version + "' was seen"));
        return Response.accepted(info).location(URI.create("/reports/" + version + "/index.html")).build();
    }

    private String newest() {
        List<String> v = aggregates.versions();
        if (v.isEmpty()) {
            throw ProblemException.notFound("no embeddings seen yet on digits.embeddings: nothing to report");
        }
        return v.get(v.size() - 1);
    }

    @GET
    @jakarta.ws.rs.Path("/latest")
    @Operation(summary = "The newest finished report (redirect)")
    public Response latest() {
        ReportService.Info info = reports.latest().orElseThrow(() -> ProblemException.notFound("no report is finished yet"));
        return Response.seeOther(URI.create("/reports/" + info.version() + "/index.html")).build();
    }

    @GET
    @jakarta.ws.rs.Path("/{version}")
    @Operation(summary = "A report's page (redirect to its index.html)")
    public Response version(@PathParam("version") String version) {
        return Response.seeOther(URI.create("/reports/" + version + "/index.html")).build();
    }

    @GET
    @jakarta.ws.rs.Path("/{version}/{file}")
    @Operation(summary = "A file of a report: index.html, report.json, predictions.csv, plots")
    public Response file(@PathParam("version") String version, @PathParam("file") String file) {
        if (!file.matches("[A-Za-z0-9._-]+") || file.startsWith(".")) {
            throw ProblemException.badRequest("file: '" + file + "' is not a report file name", "file");
        }
        ReportService.Info info = reports.get(version)
                .orElseThrow(() -> ProblemException.notFound("version: no report of model version '" + version + "'"));
        if (info.state() != ReportService.State.READY) {
            throw ProblemException.notFound("version: the report of '" + version + "' is " + info.state()
                    + (info.error() == null ? "" : ": " + info.error()));
        }
        Path p = reports.directory(version).resolve(file);
        if (!Files.isRegularFile(p)) {
            throw ProblemException.notFound("file: the report of '" + version + "' has no " + file);
        }
        return Response.ok(p.toFile()).type(TYPES.getOrDefault(file.substring(file.lastIndexOf('.') + 1), "application/octet-stream")).build();
    }

    static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "json", "application/json", "csv",
            "text/csv; charset=utf-8", "png", "image/png", "svg", "image/svg+xml", "js", "text/javascript; charset=utf-8");
}
