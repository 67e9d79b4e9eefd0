package mmdigits.inference.rest;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import mmdigits.inference.Instance;
import mmdigits.inference.InvalidInputException;
import mmdigits.inference.config.InferenceConfig;
import mmdigits.inference.model.LoadedModel;
import mmdigits.inference.model.MicroBatcher;
import mmdigits.inference.model.ModelRegistry;
import mmdigits.inference.model.PredictionMetrics;
import mmdigits.inference.model.Scores;

/**
 * What every HTTP prediction endpoint shares: limits, micro-batched scoring, latency metrics,
 * notes.
 */
@ApplicationScoped
public class Predictions {
    private final MicroBatcher batcher;
    private final ModelRegistry registry;
    private final PredictionMetrics metrics;
    private final InferenceConfig config;
    private final MeterRegistry meters;
    private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();

    public Predictions(
            MicroBatcher batcher,
            ModelRegistry registry,
            PredictionMetrics metrics,
            InferenceConfig config,
            MeterRegistry meters) {
        this.batcher = batcher;
        this.registry = registry;
        this.metrics = metrics;
        this.config = config;
        this.meters = meters;
    }

    /** Checks the batch size; {@code field} names the list in messages. */
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
     * Scores validated instances with the alias' model; {@code endpoint} tags the latency timer.
     */
    public CompletionStage<Scores> score(List<Instance> instances, String endpoint) {
        return score(null, null, instances, endpoint);
    }

    /**
     * Scores validated instances with a model (name null: the alias; version null: the name's
     * newest).
     */
    public CompletionStage<Scores> score(
            String name, String version, List<Instance> instances, String endpoint) {
        Timer.Sample sample = Timer.start(meters);
        return batcher.submit(name, version, instances)
                .whenComplete(
                        (s, e) -> {
                            String outcome = e == null ? "success" : "error";
                            sample.stop(
                                    timers.computeIfAbsent(
                                            endpoint + "|" + outcome,
                                            k ->
                                                    Timer.builder("digits.request.latency")
                                                            .description(
                                                                    "Time from a validated request to its scores")
                                                            .tag("endpoint", endpoint)
                                                            .tag("outcome", outcome)
                                                            .publishPercentileHistogram()
                                                            .register(meters)));
                            if (s != null) {
                                metrics.record(PredictionMetrics.Source.HTTP, s);
                            }
                        });
    }

    public PredictionResponse response(
            Instance x, Scores s, int row, boolean embedding, boolean withVersion) {
        return new PredictionResponse(
                s.label(row),
                s.probabilities(row),
                x.modalities(),
                note(x, s.modelVersion()),
                withVersion ? s.modelVersion() : null,
                embedding ? s.embedding(row) : null);
    }

    public List<PredictionResponse> responses(List<Instance> xs, Scores s, boolean embedding) {
        List<PredictionResponse> out = new ArrayList<>(xs.size());
        for (int i = 0; i < xs.size(); i++) {
            out.add(response(xs.get(i), s, i, embedding, false));
        }
        return out;
    }

    /**
     * Says which modality was missing and how well the model (the version that scored) does without
     * it.
     */
    String note(Instance x, String version) {
        if (x.hasImage() && x.hasAudio()) {
            return null;
        }
        String present = x.hasImage() ? "image" : "audio";
        String missing = x.hasImage() ? "audio" : "image";
        LoadedModel m =
                registry.loaded().stream()
                        .filter(l -> l.version().equals(version))
                        .findFirst()
                        .orElse(null);
        Double acc = m == null ? null : m.metrics().get("validation_accuracy_" + present + "_only");
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
}
