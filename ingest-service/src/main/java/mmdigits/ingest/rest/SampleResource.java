package mmdigits.ingest.rest;

import java.util.ArrayList;
import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import mmdigits.common.proto.Sample;
import mmdigits.common.rest.ProblemException;
import mmdigits.common.rest.ProblemMappers;
import mmdigits.ingest.config.IngestConfig;
import mmdigits.ingest.messaging.SamplePublisher;

@Path("/samples")
@Tag(name = "samples", description = "Stream individual samples to Kafka")
public class SampleResource {

    /** The ids of the samples committed. */
    public record Published(int published, List<String> ids) {
    }

    private final SamplePublisher publisher;
    private final ObjectMapper mapper;
    private final IngestConfig config;
    private final KafkaFailures failures;

    public SampleResource(SamplePublisher publisher, ObjectMapper mapper, IngestConfig config, KafkaFailures failures) {
        this.publisher = publisher;
        this.mapper = mapper;
        this.config = config;
        this.failures = failures;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Publish one sample or a batch",
            description = "A sample object, an array of them, or {\"samples\": [...]}. A batch is validated whole and "
                    + "committed in one transaction: all or nothing.")
    @RequestBody(description = "{\"dataset\":\"stream\",\"split\":\"test\",\"row_id\":7,\"label\":3,"
            + "\"image\":[784 numbers],\"audio\":[507 numbers]}")
    @APIResponse(responseCode = "200", description = "committed")
    @APIResponse(responseCode = "400", description = "a sample is invalid (the field is named); nothing was published")
    public Published publish(JsonNode body) {
        List<JsonNode> nodes = new ArrayList<>();
        String prefix;
        if (body == null || body.isNull()) {
            throw ProblemException.badRequest("body: expected a sample, an array of samples or {\"samples\": [...]}", "body");
        } else if (body.isArray()) {
            body.forEach(nodes::add);
            prefix = "";
        } else if (body.has("samples")) {
            if (!body.get("samples").isArray()) {
                throw ProblemException.badRequest("samples: must be an array", "samples");
            }
            body.get("samples").forEach(nodes::add);
            prefix = "samples";
        } else {
            nodes.add(body);
            prefix = null;
        }
        if (nodes.isEmpty()) {
            throw ProblemException.badRequest("samples: the batch is empty", "samples");
        }
        if (nodes.size() > config.maxSamplesPerRequest()) {
            throw ProblemException.badRequest("samples: " + nodes.size() + " samples in one request, at most "
                    + config.maxSamplesPerRequest(), "samples");
        }
        List<Sample> samples = new ArrayList<>(nodes.size());
        long n = failures.run(() -> {
            samples.addAll(toSamples(nodes, prefix));
            return publisher.publish(samples);
        });
        return new Published((int) n, samples.stream().map(Sample::getId).toList());
    }

    /** Reads and validates every sample of the batch (all before any is published). */
    private List<Sample> toSamples(List<JsonNode> nodes, String prefix) {
        List<Sample> samples = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            String p = prefix == null ? "" : prefix + "[" + i + "].";
            SampleRequest request;
            try {
                request = mapper.treeToValue(nodes.get(i), SampleRequest.class);
            } catch (JsonProcessingException e) {
                throw new ProblemException(ProblemMappers.jsonProblem(e, p));
            }
            samples.add(request.toSample(p));
        }
        return samples;
    }
}
