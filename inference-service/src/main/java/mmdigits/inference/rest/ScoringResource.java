package mmdigits.inference.rest;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import mmdigits.common.events.ModelIndex;
import mmdigits.common.events.Promotions;
import mmdigits.common.events.Publication;
import mmdigits.common.events.ScoringRequests;
import mmdigits.common.proto.Split;
import mmdigits.common.rest.ProblemException;
import mmdigits.inference.messaging.InferenceLogs;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Score a dataset's latest test split with a model version, on request (a ScoringRequested event;
 * the replicas share the work).
 */
@Path("/api/scorings")
@Tag(name = "models")
public class ScoringResource {
    /** {@code dataset} required; {@code model}/{@code version} default to the alias' target. */
    public record ScoringRequest(
            @NotBlank(message = "is required (the dataset whose test split to score)")
                    String dataset,
            String model,
            String version) {}

    /**
     * What will be scored; {@code created} false when this pair was scored (or is being scored)
     * already.
     */
    public record Scoring(
            String dataset,
            String publication,
            long samples,
            String name,
            String version,
            boolean created) {}

    private final InferenceLogs logs;
    private final MutinyEmitter<byte[]> requests;

    public ScoringResource(
            InferenceLogs logs, @Channel(ScoringRequests.CHANNEL) MutinyEmitter<byte[]> requests) {
        this.logs = logs;
        this.requests = requests;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Score a dataset's latest test split with a model version",
            description =
                    "{\"dataset\": ..., \"model\": ..., \"version\": ...}; default: the version the alias serves.")
    @APIResponse(
            responseCode = "202",
            description = "requested; the predictions and embeddings follow on their topics")
    @APIResponse(
            responseCode = "200",
            description = "this version has scored (or is scoring) that split already")
    @APIResponse(responseCode = "404", description = "no such dataset test split or model version")
    public Response request(@Valid ScoringRequest body) throws Exception {
        if (body == null) {
            throw ProblemException.badRequest(
                    "dataset: is required (the dataset whose test split to score)", "dataset");
        }
        Publication pub =
                logs.catalog()
                        .latest(body.dataset(), Split.TEST)
                        .filter(Publication::locatable)
                        .orElseThrow(
                                () ->
                                        ProblemException.notFound(
                                                "dataset: no test split of '"
                                                        + body.dataset()
                                                        + "' was published"));
        ModelIndex.Version v = version(body);
        if (logs.jobs().has(v.version(), pub.id())) {
            return Response.ok(
                            new Scoring(
                                    body.dataset(),
                                    pub.id(),
                                    pub.count(),
                                    v.name(),
                                    v.version(),
                                    false))
                    .build();
        }
        requests.sendMessageAndAwait(
                KafkaRecord.of(
                        body.dataset(),
                        ScoringRequests.event(
                                        body.dataset(), v.name(), v.version(), "inference-service")
                                .toByteArray()));
        return Response.accepted(
                        new Scoring(
                                body.dataset(), pub.id(), pub.count(), v.name(), v.version(), true))
                .build();
    }

    private ModelIndex.Version version(ScoringRequest body) {
        ModelIndex index = logs.index();
        if (body.version() != null) {
            return (body.model() == null
                            ? index.byVersion(body.version())
                            : index.get(body.model(), body.version()))
                    .orElseThrow(
                            () ->
                                    ProblemException.notFound(
                                            "version: '"
                                                    + body.version()
                                                    + "' is not a registered version"));
        }
        if (body.model() != null) {
            return index.newest(body.model())
                    .orElseThrow(
                            () ->
                                    ProblemException.notFound(
                                            "model: no version of '"
                                                    + body.model()
                                                    + "' is registered"));
        }
        Promotions.Target t =
                logs.promoted()
                        .orElseThrow(
                                () ->
                                        ProblemException.notFound(
                                                "model: nothing is promoted yet; name a model"));
        return index.get(t.name(), t.version())
                .orElseThrow(
                        () ->
                                ProblemException.notFound(
                                        "version: the promoted "
                                                + t.name()
                                                + "/"
                                                + t.version()
                                                + " is no longer registered"));
    }
}
