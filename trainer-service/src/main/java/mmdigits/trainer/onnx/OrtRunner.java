package mmdigits.trainer.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs an ONNX model in ONNX Runtime (one environment per process; every tensor and result closed).
 */
public final class OrtRunner implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    public OrtRunner(byte[] model) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            this.session = env.createSession(model, options);
        }
    }

    /**
     * @param inputs name → (values, shape); returns output name → values (flattened)
     */
    public Map<String, float[]> run(
            Map<String, float[]> inputs, Map<String, long[]> shapes, String... outputs)
            throws OrtException {
        Map<String, OnnxTensor> tensors = new HashMap<>();
        try {
            for (var e : inputs.entrySet()) {
                tensors.put(
                        e.getKey(),
                        OnnxTensor.createTensor(
                                env, FloatBuffer.wrap(e.getValue()), shapes.get(e.getKey())));
            }
            try (OrtSession.Result result = session.run(tensors)) {
                Map<String, float[]> out = new LinkedHashMap<>();
                for (String name : outputs) {
                    OnnxTensor t =
                            (OnnxTensor)
                                    result.get(name)
                                            .orElseThrow(
                                                    () ->
                                                            new IllegalStateException(
                                                                    "no output " + name));
                    FloatBuffer fb = t.getFloatBuffer();
                    float[] v = new float[fb.remaining()];
                    fb.get(v);
                    out.put(name, v);
                }
                return out;
            }
        } finally {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
