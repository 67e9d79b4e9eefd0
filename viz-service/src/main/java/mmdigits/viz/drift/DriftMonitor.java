package mmdigits.viz.drift;

import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.proto.Sample;
import mmdigits.viz.config.VizConfig;

/**
 * Drift on the live stream (docs/drift.md): per served version (one whose embeddings arrive on
 * {@code digits.embeddings}), the latest {@code viz.drift.window} embeddings against its release's
 * reference sample (MMD², {@link Mmd}), and the latest test samples' raw inputs against the
 * release's per-feature training statistics ({@link InputShift}, per modality). The inputs' window
 * is the test stream's, one for all versions: every served version (the alias' target, a candidate)
 * scores the whole stream. Values are computed when asked for and kept until a window or the
 * reference changes; below {@code viz.drift.min-samples} they are NaN (no verdict).
 */
@ApplicationScoped
public class DriftMonitor {
    /**
     * The measures of one version at one moment: MMD² per embedding part ({@link Reference#ALL},
     * and {@code image}, {@code audio} when the release says where its branches lie); NaN where
     * there are too few samples.
     */
    public record Values(
            String version,
            Map<String, Double> mmdByPart,
            double imageShift,
            double audioShift,
            int embeddings,
            int inputs) {
        /** The whole embedding's MMD². */
        public double mmd() {
            return mmd(Reference.ALL);
        }

        /** A part's MMD², NaN when the version's reference has no such part. */
        public double mmd(String part) {
            return mmdByPart.getOrDefault(part, Double.NaN);
        }
    }

    private static final int VERSIONS_KEPT = 16;

    private final VizConfig.Drift config;
    private final Map<String, Reference> references = lru(VERSIONS_KEPT);
    private final Map<String, Window<float[]>> embeddings = lru(VERSIONS_KEPT);
    private final Window<float[][]> inputs;
    private final Map<String, Cached> cache = new HashMap<>();
    private volatile Consumer<String> onServed = v -> {};

    private record Cached(long embeddingChanges, long inputChanges, Reference ref, Values values) {}

    @Inject
    public DriftMonitor(VizConfig config) {
        this(config.drift());
    }

    DriftMonitor(VizConfig.Drift config) {
        this.config = config;
        this.inputs = new Window<>(Math.max(2, config.window()));
    }

    private static <K, V> Map<K, V> lru(int max) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > max;
            }
        };
    }

    /** Called once per version that has both a reference and live embeddings (its metrics). */
    public void onServed(Consumer<String> listener) {
        this.onServed = listener;
    }

    /** A release from digits.models (key "name/version"); null: a tombstone, forgotten. */
    public void onRelease(String key, ModelRelease release) {
        if (release == null) {
            forget(key == null ? "" : key.substring(key.indexOf('/') + 1));
            return;
        }
        Reference ref =
                release.hasDriftReference()
                        ? Reference.of(release.getVersion(), release.getDriftReference())
                        : null;
        if (ref == null) {
            Log.debugf("release %s has no drift reference", release.getVersion());
            return;
        }
        boolean served;
        synchronized (this) {
            references.put(ref.version(), ref);
            served = embeddings.containsKey(ref.version());
        }
        if (served) {
            onServed.accept(ref.version());
        }
    }

    private synchronized void forget(String version) {
        references.remove(version);
        cache.remove(version);
    }

    /**
     * An embedding from digits.embeddings (null: a tombstone, ignored): into its version's window.
     */
    public void onEmbedding(Embedding e) {
        if (e == null) {
            return;
        }
        boolean first;
        synchronized (this) {
            Window<float[]> w = embeddings.get(e.getModelVersion());
            first = w == null;
            if (first) {
                w = new Window<>(Math.max(2, config.window()));
                embeddings.put(e.getModelVersion(), w);
            }
            w.add(e.getSampleId(), vector(e));
            first = first && references.containsKey(e.getModelVersion());
        }
        if (first) {
            onServed.accept(e.getModelVersion());
        }
    }

    /** A test sample from digits.samples.test: its raw image and MFCC into the inputs' window. */
    public synchronized void onSample(Sample s) {
        inputs.add(s.getId(), new float[][] {floats(s.getImageList()), floats(s.getAudioList())});
    }

    /** Whether the inputs' window holds this test sample (it was read from the stream). */
    public synchronized boolean hasInput(String sampleId) {
        return inputs.contains(sampleId);
    }

    /** Whether the version's window holds this sample's embedding. */
    public synchronized boolean hasEmbedding(String version, String sampleId) {
        Window<float[]> w = embeddings.get(version);
        return w != null && w.contains(sampleId);
    }

    /** The versions served now (live embeddings) that have a reference. */
    public synchronized List<String> versions() {
        List<String> out = new ArrayList<>();
        for (String v : embeddings.keySet()) {
            if (references.containsKey(v)) {
                out.add(v);
            }
        }
        return out;
    }

    public synchronized Optional<Reference> reference(String version) {
        return Optional.ofNullable(references.get(version));
    }

    /** The version's measures now, when it has a reference and live embeddings. */
    public Optional<Values> values(String version) {
        Reference ref;
        Window<float[]> w;
        long inputChanges;
        long embeddingChanges;
        List<float[]> live;
        List<float[][]> in;
        synchronized (this) {
            ref = references.get(version);
            w = embeddings.get(version);
            if (ref == null || w == null) {
                return Optional.empty();
            }
            Cached c = cache.get(version);
            inputChanges = inputs.changes();
            if (c != null
                    && c.ref() == ref
                    && c.embeddingChanges() == w.changes()
                    && c.inputChanges() == inputChanges) {
                return Optional.of(c.values());
            }
            // the counts the snapshot was taken at, under the lock: the cache must not pair a newer
            // count with older values
            embeddingChanges = w.changes();
            live = w.values();
            in = inputs.values();
        }
        Values v = measure(ref, live, in);
        synchronized (this) {
            cache.put(version, new Cached(embeddingChanges, inputChanges, ref, v));
        }
        return Optional.of(v);
    }

    private Values measure(Reference ref, List<float[]> live, List<float[][]> in) {
        int min = Math.max(2, config.minSamples());
        Map<String, Double> mmd = new LinkedHashMap<>();
        boolean enough = live.size() >= min && live.get(0).length == ref.dim();
        for (Reference.Part part : ref.parts()) {
            mmd.put(part.name(), enough ? mmd(part, live) : Double.NaN);
        }
        double image = Double.NaN;
        double audio = Double.NaN;
        if (in.size() >= min) {
            image = shift(in, 0, ref.imageMean(), ref.imageStd());
            audio = shift(in, 1, ref.audioMean(), ref.audioStd());
        }
        return new Values(ref.version(), Map.copyOf(mmd), image, audio, live.size(), in.size());
    }

    static double mmd(Reference.Part part, List<float[]> live) {
        float[][] rows = new float[live.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = part.slice(live.get(i));
        }
        return Mmd.unbiasedSquared(rows, part.embeddings(), part.bandwidth());
    }

    /** NaN when the samples or the reference do not have the modality's width. */
    private static double shift(List<float[][]> in, int modality, float[] mean, float[] std) {
        List<float[]> rows = new ArrayList<>();
        for (float[][] s : in) {
            if (s[modality].length == mean.length && mean.length == std.length) {
                rows.add(s[modality]);
            }
        }
        return rows.size() < 2 || mean.length == 0
                ? Double.NaN
                : InputShift.of(rows.toArray(float[][]::new), mean, std);
    }

    private static float[] vector(Embedding e) {
        return floats(e.getVectorList());
    }

    private static float[] floats(List<Float> list) {
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }
}
