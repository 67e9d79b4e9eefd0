package mmdigits.inference.model;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;

import mmdigits.common.proto.ModelRelease;
import mmdigits.common.sample.Dimensions;
import mmdigits.inference.Instance;
import mmdigits.inference.config.InferenceConfig;

/**
 * Holds the current model. {@link #load} swaps atomically: calls in flight finish on the old session,
 * which is closed after the last of them; no call sees a closed session.
 */
@ApplicationScoped
public class ModelRegistry {
    private final InferenceConfig config;
    private final MeterRegistry meters;
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final AtomicReference<LoadedModel> current = new AtomicReference<>();
    private Gauge versionGauge;

    public ModelRegistry(InferenceConfig config, MeterRegistry meters) {
        this.config = config;
        this.meters = meters;
    }

    /** The current model, or null (for status pages; scoring goes through {@link #score}). */
    public LoadedModel current() {
        return current.get();
    }

    public String modelName() {
        return config.modelName();
    }

    /**
     * Loads a release if it is newer than the current model and swaps it in.
     *
     * @return true when it became the current model
     * @throws OrtException or IllegalArgumentException when the release cannot be loaded (the current model stays)
     */
    public synchronized boolean load(ModelRelease release) throws OrtException {
        if (!release.getName().equals(config.modelName())) {
            return false;
        }
        LoadedModel old = current.get();
        if (!LoadedModel.isNewer(release, old)) {
            return false;
        }
        LoadedModel next = LoadedModel.open(release, env, config.ort().intraOpThreads());
        current.set(next);
        if (old != null) {
            old.release();
        }
        if (versionGauge != null) {
            meters.remove(versionGauge);
        }
        versionGauge = Gauge.builder("digits.model.loaded", next, m -> m.createdMs() / 1000.0)
                .description("Creation time (epoch seconds) of the loaded model, tagged with its version")
                .tag("version", next.version()).register(meters);
        Log.infof("model %s version %s loaded (dataset %s, embedding %d, validation accuracy %s)", next.name(), next.version(),
                next.dataset(), next.embeddingDim(), next.metrics().getOrDefault("validation_accuracy", Double.NaN));
        return true;
    }

    /** Takes a reference on the current model; pair with {@link LoadedModel#release()}. */
    public LoadedModel acquire() {
        while (true) {
            LoadedModel m = current.get();
            if (m == null) {
                throw new NoModelException(config.modelName());
            }
            if (m.retain()) {
                return m;
            }
        }
    }

    /** Scores instances with the current model in one ONNX Runtime call, blanks filled in for missing modalities. */
    public Scores score(List<Instance> instances) throws OrtException {
        LoadedModel m = acquire();
        try {
            return score(m, instances);
        } finally {
            m.release();
        }
    }

    /** Scores with a given (retained) model. */
    public static Scores score(LoadedModel m, List<Instance> instances) throws OrtException {
        int n = instances.size();
        float[] image = new float[n * Dimensions.IMAGE];
        float[] audio = new float[n * Dimensions.AUDIO];
        for (int i = 0; i < n; i++) {
            Instance x = instances.get(i);
            if (x.image() != null) {
                System.arraycopy(x.image(), 0, image, i * Dimensions.IMAGE, Dimensions.IMAGE);
            }
            System.arraycopy(x.audio() != null ? x.audio() : m.blankAudio(), 0, audio, i * Dimensions.AUDIO, Dimensions.AUDIO);
        }
        return m.score(image, audio, n);
    }

    @PreDestroy
    void close() {
        LoadedModel m = current.getAndSet(null);
        if (m != null) {
            m.release();
        }
    }
}
