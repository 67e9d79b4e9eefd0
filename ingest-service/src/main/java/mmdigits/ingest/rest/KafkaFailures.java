package mmdigits.ingest.rest;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import mmdigits.common.rest.Problem;
import mmdigits.common.rest.ProblemException;
import mmdigits.common.sample.InvalidSampleException;
import mmdigits.common.seed.SeedFileException;
import mmdigits.ingest.metrics.IngestMetrics;
import org.apache.kafka.common.KafkaException;

/** Runs a publish and turns broker failures into 503 problems; bad input stays a 400. */
@ApplicationScoped
public class KafkaFailures {
    private final IngestMetrics metrics;

    public KafkaFailures(IngestMetrics metrics) {
        this.metrics = metrics;
    }

    public <T> T run(Callable<T> publish) {
        try {
            return publish.call();
        } catch (SeedFileException e) {
            metrics.rejected("invalid-file", 1);
            throw new ProblemException(
                    Problem.of(
                            400,
                            "invalid-file",
                            "Invalid data file",
                            e.getMessage() + " (nothing was published)",
                            e.file()),
                    e);
        } catch (IllegalArgumentException e) {
            metrics.rejected("bad-request", 1);
            throw ProblemException.badRequest(e.getMessage(), null);
        } catch (InvalidSampleException e) {
            metrics.rejected("invalid-sample", 1);
            throw e;
        } catch (ProblemException e) {
            throw e;
        } catch (KafkaException | TimeoutException | ExecutionException e) {
            metrics.rejected("kafka", 1);
            throw ProblemException.unavailable(
                    "Kafka did not accept the records (nothing was published): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProblemException.unavailable("interrupted");
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
