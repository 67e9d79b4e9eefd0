package mmdigits.inference.scoring;

import ai.onnxruntime.OrtException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import mmdigits.common.proto.Sample;
import mmdigits.inference.Instance;
import mmdigits.inference.InvalidInputException;
import mmdigits.inference.config.InferenceConfig;
import mmdigits.inference.model.LoadedModel;
import mmdigits.inference.model.ModelRegistry;
import mmdigits.inference.model.PredictionMetrics;
import mmdigits.inference.model.Scores;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The one way to a model's scores: instances → the model asked for (name null: the alias, answered
 * by its target or its canary as the {@link CanaryRouter} decides; version null: the name's newest)
 * → {@link Scores}, counted in the prediction metrics. Requests (REST, KServe, gRPC) go through the
 * {@link MicroBatcher} and are timed per endpoint; the test stream scores its own batches directly
 * and gets its output records ({@link OutputRecords}) back.
 */
@ApplicationScoped
public class Scorer {
    private final MicroBatcher batcher;
    private final CanaryRouter router;
    private final ShadowCopy shadow;
    private final ModelRegistry registry;
    private final PredictionMetrics metrics;
    private final InferenceConfig config;
    private final MeterRegistry meters;
    private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();

    public Scorer(
            MicroBatcher batcher,
            CanaryRouter router,
            ShadowCopy shadow,
            ModelRegistry registry,
            PredictionMetrics metrics,
            InferenceConfig config,
            MeterRegistry meters) {
        this.batcher = batcher;
        this.router = router;
        this.shadow = shadow;
        this.registry = registry;
        this.metrics = metrics;
        this.config = config;
        this.meters = meters;
    }

    /** Checks a request's batch size; {@code field} names the list in messages. */
    public void checkCount(int n, String field) {
        if (n == 0) {
            throw new InvalidInputException(field, field + ": no instances");
        }
        if (n > config.http().maxInstances()) {
            throw new InvalidInputException(
                    field,
                    field
                            + ": "
                            + n
                            + " instances in one request, at most "
                            + config.http().maxInstances());
        }
    }

    /**
     * Scores a request's validated instances, micro-batched with concurrent requests for the same
     * model: the model the {@link CanaryRouter} picks (the alias' target or its canary, or the
     * model the request names). Timed per endpoint, outcome, answering version and role; an alias
     * request the target answered is copied to the alias' shadow ({@link ShadowCopy}).
     *
     * @param requestId the caller's id (REST {@code X-Request-Id}, KServe {@code id}, gRPC {@code
     *     id}): a canary's choice is sticky per id; null for none
     */
    public CompletionStage<Scores> submit(
            String name,
            String version,
            List<Instance> instances,
            String endpoint,
            String requestId) {
        Timer.Sample sample = Timer.start(meters);
        CanaryRouter.Route route;
        try {
            route = router.route(name, version, requestId);
        } catch (RuntimeException e) {
            sample.stop(timer(endpoint, "error", "none", router.roleOf(name, version)));
            return CompletableFuture.failedFuture(e);
        }
        String answering = route.model().version();
        return batcher.submit(route.model(), instances)
                .whenComplete(
                        (s, e) -> {
                            sample.stop(
                                    timer(
                                            endpoint,
                                            e == null ? "success" : "error",
                                            answering,
                                            route.role()));
                            if (s != null) {
                                metrics.record(PredictionMetrics.Source.HTTP, s);
                                if (route.role() == CanaryRouter.Role.TARGET) {
                                    shadow.offer(instances, requestId, s.modelVersion());
                                }
                            }
                        });
    }

    private Timer timer(String endpoint, String outcome, String version, CanaryRouter.Role role) {
        return timers.computeIfAbsent(
                endpoint + "|" + outcome + "|" + version + "|" + role,
                k ->
                        Timer.builder("mmdigits.inference.request")
                                .description("Time from a validated request to its scores")
                                .tag("endpoint", endpoint)
                                .tag("outcome", outcome)
                                .tag("version", version)
                                .tag("role", role.tag())
                                .publishPercentileHistogram()
                                .register(meters));
    }

    /** The output records of test samples, and the model version that scored them. */
    public record Scored(
            String name, String version, List<ProducerRecord<String, byte[]>> records) {}

    /**
     * Scores test samples with one model held for all of them, in calls of at most {@code
     * inference.batch.max-size}: a prediction and an embedding record per sample, in order.
     */
    public Scored outputRecords(String name, String version, List<Sample> samples)
            throws OrtException {
        LoadedModel model = registry.acquire(name, version);
        try {
            int max = Math.max(1, config.batch().maxSize());
            long now = System.currentTimeMillis();
            List<ProducerRecord<String, byte[]>> out = new ArrayList<>(2 * samples.size());
            for (int from = 0; from < samples.size(); from += max) {
                List<Sample> chunk = samples.subList(from, Math.min(samples.size(), from + max));
                Scores scores = model.score(chunk.stream().map(Instance::of).toList());
                metrics.record(PredictionMetrics.Source.STREAM, scores);
                out.addAll(OutputRecords.of(chunk, scores, now));
            }
            return new Scored(model.name(), model.version(), out);
        } finally {
            model.release();
        }
    }

    /**
     * Says which modality was missing and how well the model (the version that scored) does without
     * it; null when both were given.
     */
    public String note(Instance x, String version) {
        if (x.hasImage() && x.hasAudio()) {
            return null;
        }
        String present = x.hasImage() ? "image" : "audio";
        String missing = x.hasImage() ? "audio" : "image";
        Double acc = modalityAccuracy(version, present);
        return String.format(
                Locale.ROOT,
                "%s missing: scored from the %s alone (the model was trained with one modality blanked%s)",
                missing,
                present,
                acc == null
                        ? ""
                        : String.format(
                                Locale.ROOT, "; validation accuracy %s-only %.4f", present, acc));
    }

    private Double modalityAccuracy(String version, String present) {
        return registry.loaded().stream()
                .filter(l -> l.version().equals(version))
                .findFirst()
                .map(m -> m.metrics().get("validation_accuracy_" + present + "_only"))
                .orElse(null);
    }
}
