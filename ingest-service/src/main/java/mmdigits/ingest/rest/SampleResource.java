package mmdigits.ingest.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import mmdigits.common.proto.Sample;
import mmdigits.common.rest.ProblemException;
import mmdigits.ingest.config.IngestConfig;
import mmdigits.ingest.messaging.SamplePublisher;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/samples")
@Tag(name = "samples", description = "Stream individual samples to Kafka")
public class SampleResource {

    /** The ids of the samples committed. */
    public record Published(int published, List<String> ids) {}

    private final SamplePublisher publisher;
    private final IngestConfig config;
    private final KafkaFailures failures;

    private final Semaphore batches;

    public SampleResource(SamplePublisher publisher, IngestConfig config, KafkaFailures failures) {
        this.batches = new Semaphore(Math.max(1, config.concurrentBatches()), true);
        this.publisher = publisher;
        this.config = config;
        this.failures = failures;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Publish one sample or a batch",
            description =
                    "A sample object, an array of them, or {\"samples\": [...]}. A batch is validated whole and "
                            + "committed in one transaction: all or nothing.")
    @RequestBody(
            description =
                    "{\"dataset\":\"stream\",\"split\":\"test\",\"row_id\":7,\"label\":3,"
                            + "\"image\":[784 numbers],\"audio\":[507 numbers]}")
    @APIResponse(responseCode = "200", description = "committed")
    @APIResponse(
            responseCode = "400",
            description = "a sample is invalid (the field is named); nothing was published")
    @APIResponse(responseCode = "413", description = "the body is larger than the route's limit")
    @APIResponse(
            responseCode = "503",
            description =
                    "Kafka did not take the batch, or other batches are being published (Retry-After)")
    public Published publish(InputStream body) throws InterruptedException {
        // a batch is held in memory from its parse to its commit: ingest.concurrent-batches at a
        // time bounds the heap
        if (!batches.tryAcquire(config.batchWait().toMillis(), TimeUnit.MILLISECONDS)) {
            throw ProblemException.busy(
                    "other batches are being published (ingest.concurrent-batches); try again shortly",
                    1);
        }
        try {
            List<Sample> samples = new ArrayList<>();
            long n =
                    failures.run(
                            () -> {
                                samples.addAll(
                                        SampleBodyParser.parse(
                                                body, config.maxSamplesPerRequest()));
                                return publisher.publish(samples);
                            });
            return new Published((int) n, samples.stream().map(Sample::getId).toList());
        } finally {
            batches.release();
        }
    }
}
