package mmdigits.ingest.rest;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.common.KafkaException;

import io.micrometer.core.instrument.MeterRegistry;
import mmdigits.common.rest.ProblemException;
import mmdigits.common.sample.InvalidSampleException;
import mmdigits.common.seed.SeedFileException;

/** Runs a publish and turns broker failures into 503 problems; bad input stays a 400. */
@ApplicationScoped
public class KafkaFailures {
    private final MeterRegistry registry;

    public KafkaFailures(MeterRegistry registry) {
        this.registry = registry;
    }

    public <T> T run(Callable<T> publish) {
        try {
            return publish.call();
        } catch (SeedFileException e) {
            throw new ProblemException(mmdigits.common.rest.Problem.of(400, "invalid-file", "Invalid data file",
                    e.getMessage() + " (nothing was published)", e.file()), e);
        } catch (IllegalArgumentException e) {
            registry.counter("mmdigits.ingest.errors", "kind", "bad-request").increment();
            throw ProblemException.badRequest(e.getMessage(), null);
        } catch (InvalidSampleException | ProblemException e) {
            throw e;
        } catch (KafkaException | TimeoutException | ExecutionException e) {
            registry.counter("mmdigits.ingest.errors", "kind", "kafka").increment();
            throw ProblemException.unavailable("Kafka did not accept the records (nothing was published): " + e.getMessage());
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
