package mmdigits.inference.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.quarkus.logging.Log;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import mmdigits.common.kafka.ModelKeys;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.sample.Dimensions;
import mmdigits.common.sample.TensorNames;
import mmdigits.inference.Instance;

/**
 * One released model in an ONNX Runtime session. Reference counted: the registry holds one
 * reference, every scoring call another; the session is closed when the last one is released, so a
 * swap never closes a session under a running call.
 */
public final class LoadedModel {

    private final String name;
    private final String version;
    private final long sequence;
    private final long createdMs;
    private final String dataset;
    private final Map<String, Double> metrics;
    private final float[] blankAudio;
    private final int embeddingDim;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final AtomicInteger references = new AtomicInteger(1);

    private LoadedModel(
            ModelRelease release,
            long sequence,
            OrtEnvironment env,
            OrtSession session,
            int embeddingDim) {
        this.name = release.getName();
        this.version = release.getVersion();
        this.sequence = sequence;
        this.createdMs = release.getCreatedMs();
        this.dataset = release.getDataset();
        this.metrics = Map.copyOf(release.getMetricsMap());
        this.blankAudio = new float[Dimensions.AUDIO];
        for (int i = 0; i < Math.min(blankAudio.length, release.getBlankAudioCount()); i++) {
            blankAudio[i] = release.getBlankAudio(i);
        }
        this.env = env;
        this.session = session;
        this.embeddingDim = embeddingDim;
    }

    /**
     * Opens a release; refuses one whose graph does not have the inputs and outputs of the contract
     * (image [N,784], audio [N,507] → probabilities [N,10], embedding [N,D]). {@code sequence} is
     * the release's offset on digits.models: the release order.
     */
    public static LoadedModel open(
            ModelRelease release, long sequence, OrtEnvironment env, int intraOpThreads)
            throws OrtException {
        if (release.getVersion().isBlank()) {
            throw new IllegalArgumentException(
                    "release of '" + release.getName() + "' has no version");
        }
        if (release.getBlankAudioCount() != 0 && release.getBlankAudioCount() != Dimensions.AUDIO) {
            throw new IllegalArgumentException(
                    "blank_audio has "
                            + release.getBlankAudioCount()
                            + " values, expected "
                            + Dimensions.AUDIO);
        }
        OrtSession session;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(release.getOnnx().toByteArray(), options);
        }
        try {
            check(session.getInputInfo(), TensorNames.IMAGE, Dimensions.IMAGE);
            check(session.getInputInfo(), TensorNames.AUDIO, Dimensions.AUDIO);
            check(session.getOutputInfo(), TensorNames.PROBABILITIES, Dimensions.CLASSES);
            long d = check(session.getOutputInfo(), TensorNames.EMBEDDING, -1);
            int dim = d > 0 ? (int) d : release.getEmbeddingDim();
            if (release.getEmbeddingDim() > 0 && dim != release.getEmbeddingDim()) {
                throw new IllegalArgumentException(
                        "embedding is "
                                + dim
                                + " wide in the graph but the release says "
                                + release.getEmbeddingDim());
            }
            return new LoadedModel(release, sequence, env, session, dim);
        } catch (RuntimeException | OrtException e) {
            session.close();
            throw e;
        }
    }

    private static long check(Map<String, NodeInfo> infos, String name, long width) {
        NodeInfo info = infos.get(name);
        if (info == null || !(info.getInfo() instanceof TensorInfo t)) {
            throw new IllegalArgumentException(
                    "the ONNX graph has no tensor '" + name + "' (has " + infos.keySet() + ")");
        }
        long[] shape = t.getShape();
        if (shape.length != 2 || (width > 0 && shape[1] != width)) {
            throw new IllegalArgumentException(
                    "'"
                            + name
                            + "' has shape "
                            + Arrays.toString(shape)
                            + ", expected [N,"
                            + (width > 0 ? width : "D")
                            + "]");
        }
        if (t.type != OnnxJavaType.FLOAT) {
            throw new IllegalArgumentException("'" + name + "' is " + t.type + ", expected FLOAT");
        }
        return shape[1];
    }

    /**
     * Takes a reference; false when the model is already closed (the caller retries with the
     * current one).
     */
    boolean retain() {
        while (true) {
            int n = references.get();
            if (n == 0) {
                return false;
            }
            if (references.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Drops a reference; the last one closes the session. */
    public void release() {
        if (references.decrementAndGet() == 0) {
            try {
                session.close();
            } catch (OrtException e) {
                Log.warnf("closing the session of %s: %s", version, e.getMessage());
            }
        }
    }

    boolean isClosed() {
        return references.get() == 0;
    }

    /**
     * Scores instances in one ONNX Runtime call, this model's blank audio filled in where a sample
     * has none (a missing image stays zeros, as the model was trained with it blanked).
     */
    public Scores score(List<Instance> instances) throws OrtException {
        int n = instances.size();
        float[] image = new float[n * Dimensions.IMAGE];
        float[] audio = new float[n * Dimensions.AUDIO];
        for (int i = 0; i < n; i++) {
            Instance x = instances.get(i);
            if (x.image() != null) {
                System.arraycopy(x.image(), 0, image, i * Dimensions.IMAGE, Dimensions.IMAGE);
            }
            System.arraycopy(
                    x.audio() != null ? x.audio() : blankAudio,
                    0,
                    audio,
                    i * Dimensions.AUDIO,
                    Dimensions.AUDIO);
        }
        return score(image, audio, n);
    }

    /**
     * Scores n samples. {@code image} (n×784) and {@code audio} (n×507) hold raw values; missing
     * modalities must already be filled with {@link #blankImage}/{@link #blankAudio} values.
     */
    public Scores score(float[] image, float[] audio, int n) throws OrtException {
        if (image.length != n * Dimensions.IMAGE || audio.length != n * Dimensions.AUDIO) {
            throw new IllegalArgumentException(
                    "batch of "
                            + n
                            + " with "
                            + image.length
                            + " image and "
                            + audio.length
                            + " audio values");
        }
        try (OnnxTensor img =
                        OnnxTensor.createTensor(
                                env, direct(image), new long[] {n, Dimensions.IMAGE});
                OnnxTensor aud =
                        OnnxTensor.createTensor(
                                env, direct(audio), new long[] {n, Dimensions.AUDIO});
                OrtSession.Result result =
                        session.run(Map.of(TensorNames.IMAGE, img, TensorNames.AUDIO, aud))) {
            float[] probabilities =
                    values(result, TensorNames.PROBABILITIES, n * Dimensions.CLASSES);
            float[] embedding = values(result, TensorNames.EMBEDDING, n * embeddingDim);
            return new Scores(n, embeddingDim, probabilities, embedding, version);
        }
    }

    private static FloatBuffer direct(float[] values) {
        FloatBuffer fb =
                ByteBuffer.allocateDirect(values.length * Float.BYTES)
                        .order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
        fb.put(values).rewind();
        return fb;
    }

    private static float[] values(OrtSession.Result result, String name, int expected) {
        OnnxTensor t =
                (OnnxTensor)
                        result.get(name)
                                .orElseThrow(() -> new IllegalStateException("no output " + name));
        FloatBuffer fb = t.getFloatBuffer();
        if (fb.remaining() != expected) {
            throw new IllegalStateException(
                    name + " has " + fb.remaining() + " values, expected " + expected);
        }
        float[] v = new float[expected];
        fb.get(v);
        return v;
    }

    /**
     * Audio fed when a request has none: the training split's mean (what modality dropout trained
     * with).
     */
    public float[] blankAudio() {
        return blankAudio;
    }

    public String name() {
        return name;
    }

    public String version() {
        return version;
    }

    public long createdMs() {
        return createdMs;
    }

    public String dataset() {
        return dataset;
    }

    public Map<String, Double> metrics() {
        return metrics;
    }

    public int embeddingDim() {
        return embeddingDim;
    }

    /** The release's place on digits.models: later releases have larger sequences. */
    public long sequence() {
        return sequence;
    }

    /** The model's metadata, for readers that do not score. */
    public ModelInfo info() {
        return new ModelInfo(name, version, dataset, sequence, createdMs, embeddingDim, metrics);
    }

    /** The registry key, {@code <name>/<version>}. */
    public String key() {
        return ModelKeys.of(name, version);
    }
}
