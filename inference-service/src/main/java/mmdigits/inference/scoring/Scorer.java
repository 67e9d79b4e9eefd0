package mmdigits.inference.scoring;

import ai.onnxruntime.OrtException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import mmdigits.common.events.Promotions;
import mmdigits.common.proto.Sample;
import mmdigits.inference.Instance;
import mmdigits.inference.InvalidInputException;
import mmdigits.inference.config.InferenceConfig;
import mmdigits.inference.model.LoadedModel;
import mmdigits.inference.model.ModelInfo;
import mmdigits.inference.model.ModelRegistry;
import mmdigits.inference.model.PredictionMetrics;
import mmdigits.inference.model.Scores;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The one way to a model's scores: instances → the model asked for (name null: the alias, answered
 * by its target or its canary as the {@link CanaryRouter} decides; version null: the name's newest)
 * → {@link Scores}, counted in the prediction metrics. Requests (REST, KServe, gRPC) go through the
 * {@link MicroBatcher} and are timed per endpoint; the test stream scores its own batches directly
 * and gets its output records ({@link OutputRecords}) back, with the alias' canary and shadow
 * ({@link StreamScores}).
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

    /**
     * Scores test samples with the model named ({@code name} null: the alias), held for all of
     * them, in calls of at most {@code inference.batch.max-size}: a prediction and an embedding
     * record per sample. Beside it, the alias' candidate once it is loaded: a canary scores the
     * {@code live} (streamed) samples in its buckets ({@link CanaryBucket}) instead of the target;
     * a shadow scores every sample the alias' target scores (live or a job of the target's
     * version), a prediction marked shadow per sample.
     */
    public StreamScores outputRecords(
            String name, String version, List<Sample> samples, boolean live) throws OrtException {
        LoadedModel model = registry.acquire(name, version);
        try {
            Promotions.Candidate spec = registry.candidate().orElse(null);
            LoadedModel candidate = spec == null ? null : acquireCandidate(spec, model);
            try {
                return score(model, spec, candidate, samples, live);
            } finally {
                if (candidate != null) {
                    candidate.release();
                }
            }
        } finally {
            model.release();
        }
    }

    /**
     * A reference on the candidate's model when it is the one the spec names and another version
     * than the one scoring; else null.
     */
    private LoadedModel acquireCandidate(Promotions.Candidate spec, LoadedModel model) {
        LoadedModel c = registry.acquireCandidate();
        if (c != null
                && (!c.version().equals(spec.target().version())
                        || c.version().equals(model.version()))) {
            c.release();
            return null;
        }
        return c;
    }

    private StreamScores score(
            LoadedModel model,
            Promotions.Candidate spec,
            LoadedModel candidate,
            List<Sample> samples,
            boolean live)
            throws OrtException {
        long now = System.currentTimeMillis();
        List<StreamScores.Scored> served = new ArrayList<>(2);
        StreamScores.Scored shadow = null;
        if (candidate != null && spec.canary() && live) {
            int[][] sides = canarySides(samples, candidate.version(), spec.percent());
            addIfAny(served, scored(model, samples, sides[0], now, null));
            addIfAny(served, scored(candidate, samples, sides[1], now, null));
        } else {
            served.add(scored(model, samples, allRows(samples.size()), now, null));
        }
        if (candidate != null && spec.shadow() && servesAlias(model)) {
            shadow = scored(candidate, samples, allRows(samples.size()), now, model.version());
        }
        return new StreamScores(served, shadow);
    }

    private boolean servesAlias(LoadedModel model) {
        ModelInfo served = registry.served();
        return served != null && served.key().equals(model.key());
    }

    /** Row indexes for the target ([0]) and for the canary ([1]). */
    private static int[][] canarySides(List<Sample> samples, String candidate, int percent) {
        int[] target = new int[samples.size()];
        int[] canary = new int[samples.size()];
        int t = 0;
        int c = 0;
        for (int i = 0; i < samples.size(); i++) {
            if (CanaryBucket.toCandidate(samples.get(i).getId(), candidate, percent)) {
                canary[c++] = i;
            } else {
                target[t++] = i;
            }
        }
        return new int[][] {Arrays.copyOf(target, t), Arrays.copyOf(canary, c)};
    }

    private static int[] allRows(int n) {
        int[] rows = new int[n];
        Arrays.setAll(rows, i -> i);
        return rows;
    }

    private static void addIfAny(List<StreamScores.Scored> out, StreamScores.Scored s) {
        if (s.rows().length > 0) {
            out.add(s);
        }
    }

    /**
     * The outputs of one model for the samples at {@code rows}: served (prediction + embedding,
     * counted in the prediction metrics) or, with {@code shadowOf} the served version, a shadow's
     * predictions.
     */
    private StreamScores.Scored scored(
            LoadedModel model, List<Sample> all, int[] rows, long now, String shadowOf)
            throws OrtException {
        List<Sample> samples = Arrays.stream(rows).mapToObj(all::get).toList();
        int max = Math.max(1, config.batch().maxSize());
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>(2 * samples.size());
        int labeled = 0;
        int correct = 0;
        for (int from = 0; from < samples.size(); from += max) {
            List<Sample> chunk = samples.subList(from, Math.min(samples.size(), from + max));
            Scores scores = model.score(chunk.stream().map(Instance::of).toList());
            if (shadowOf == null) {
                metrics.record(PredictionMetrics.Source.STREAM, scores);
                out.addAll(OutputRecords.of(chunk, scores, now));
            } else {
                out.addAll(OutputRecords.shadow(chunk, scores, shadowOf, now));
            }
            for (int i = 0; i < chunk.size(); i++) {
                if (chunk.get(i).hasLabel()) {
                    labeled++;
                    correct += chunk.get(i).getLabel() == scores.label(i) ? 1 : 0;
                }
            }
        }
        return new StreamScores.Scored(model.name(), model.version(), out, rows, labeled, correct);
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
