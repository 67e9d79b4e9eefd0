package mmdigits.inference.kserve;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import mmdigits.inference.Instance;

/**
 * The records of KServe v2 / the Open Inference Protocol (REST) this service speaks, named as the
 * protocol names its JSON fields.
 */
public final class KServe {
    public static final String PLATFORM = "onnxruntime_onnx";
    public static final String FP32 = "FP32";

    /** The protocol extensions this server implements (server metadata). */
    public static final List<String> EXTENSIONS = List.of("binary_tensor_data", "model_repository");

    private KServe() {}

    /** The protocol's error body. */
    public record ErrorBody(String error) {}

    public record ServerMetadata(String name, String version, List<String> extensions) {}

    public record Liveness(boolean live) {}

    public record Readiness(boolean ready) {}

    public record ModelReadiness(String name, boolean ready) {}

    public record TensorMetadata(String name, String datatype, List<Long> shape) {}

    public record ModelMetadata(
            String name,
            List<String> versions,
            String platform,
            List<TensorMetadata> inputs,
            List<TensorMetadata> outputs) {}

    /**
     * An output tensor: its values in {@code data}, or (binary extension) {@code
     * parameters.binary_data_size} bytes after the JSON.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OutputTensor(
            String name,
            List<Long> shape,
            String datatype,
            Map<String, Object> parameters,
            float[] data) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InferResponse(
            String model_name, String model_version, String id, List<OutputTensor> outputs) {}

    /** An output asked for, and whether its values go in the binary part of the answer. */
    public record OutputRequest(String name, boolean binary) {}

    /**
     * The repository extension's index request: {@code ready} true lists the loaded versions only.
     */
    public record RepositoryIndexRequest(Boolean ready) {}

    /** One registered version in the repository index: READY, LOADING or UNAVAILABLE, and why. */
    public record RepositoryModel(String name, String version, String state, String reason) {}

    /**
     * A load or unload request's body: {@code parameters.version} names the version (without it:
     * load the newest, unload every loaded version of the name).
     */
    public record RepositoryModelRequest(Map<String, Object> parameters) {}

    /** A parsed infer request: its id, one instance per row, the outputs asked for. */
    public record InferRequest(String id, List<Instance> instances, List<OutputRequest> outputs) {}
}
