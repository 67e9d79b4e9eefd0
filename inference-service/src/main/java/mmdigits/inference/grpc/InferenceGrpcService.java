package mmdigits.inference.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import mmdigits.common.sample.Dimensions;
import mmdigits.common.sample.TensorNames;
import mmdigits.inference.grpc.oip.GRPCInferenceService;
import mmdigits.inference.grpc.oip.InferTensorContents;
import mmdigits.inference.grpc.oip.ModelInferRequest;
import mmdigits.inference.grpc.oip.ModelInferResponse;
import mmdigits.inference.grpc.oip.ModelMetadataRequest;
import mmdigits.inference.grpc.oip.ModelMetadataResponse;
import mmdigits.inference.grpc.oip.ModelReadyRequest;
import mmdigits.inference.grpc.oip.ModelReadyResponse;
import mmdigits.inference.grpc.oip.ModelRepositoryParameter;
import mmdigits.inference.grpc.oip.RepositoryIndexRequest;
import mmdigits.inference.grpc.oip.RepositoryIndexResponse;
import mmdigits.inference.grpc.oip.RepositoryModelLoadRequest;
import mmdigits.inference.grpc.oip.RepositoryModelLoadResponse;
import mmdigits.inference.grpc.oip.RepositoryModelUnloadRequest;
import mmdigits.inference.grpc.oip.RepositoryModelUnloadResponse;
import mmdigits.inference.grpc.oip.ServerLiveRequest;
import mmdigits.inference.grpc.oip.ServerLiveResponse;
import mmdigits.inference.grpc.oip.ServerMetadataRequest;
import mmdigits.inference.grpc.oip.ServerMetadataResponse;
import mmdigits.inference.grpc.oip.ServerReadyRequest;
import mmdigits.inference.grpc.oip.ServerReadyResponse;
import mmdigits.inference.kserve.InferInputs;
import mmdigits.inference.kserve.InputTensor;
import mmdigits.inference.kserve.KServe;
import mmdigits.inference.kserve.KServeException;
import mmdigits.inference.kserve.ModelRepository;
import mmdigits.inference.kserve.ServedModels;
import mmdigits.inference.model.Scores;
import mmdigits.inference.scoring.Scorer;

/**
 * The Open Inference Protocol over gRPC ({@code inference.GRPCInferenceService}) on the gRPC port:
 * the same models, checks, micro-batcher and answers as the REST routes. Inputs come as {@code
 * contents} ({@code fp32_contents}; {@code uint_contents} for a UINT8 image) or as {@code
 * raw_input_contents} (little-endian, one entry per input); outputs go back the same way the inputs
 * came. The REST errors map to status codes: 400 INVALID_ARGUMENT, 404 NOT_FOUND, 503 UNAVAILABLE,
 * else INTERNAL.
 */
@GrpcService
public class InferenceGrpcService implements GRPCInferenceService {
    private final ServedModels models;
    private final InferInputs inputs;
    private final Scorer scorer;
    private final ModelRepository repository;

    public InferenceGrpcService(
            ServedModels models, InferInputs inputs, Scorer scorer, ModelRepository repository) {
        this.models = models;
        this.inputs = inputs;
        this.scorer = scorer;
        this.repository = repository;
    }

    @Override
    public Uni<ServerLiveResponse> serverLive(ServerLiveRequest request) {
        return Uni.createFrom().item(ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public Uni<ServerReadyResponse> serverReady(ServerReadyRequest request) {
        return Uni.createFrom()
                .item(ServerReadyResponse.newBuilder().setReady(models.serverReady()).build());
    }

    @Override
    public Uni<ModelReadyResponse> modelReady(ModelReadyRequest request) {
        return answer(
                () ->
                        ModelReadyResponse.newBuilder()
                                .setReady(
                                        models.modelReady(
                                                request.getName(), version(request.getVersion())))
                                .build());
    }

    @Override
    public Uni<ServerMetadataResponse> serverMetadata(ServerMetadataRequest request) {
        return Uni.createFrom()
                .item(
                        ServerMetadataResponse.newBuilder()
                                .setName(ServedModels.SERVER_NAME)
                                .setVersion(ServedModels.SERVER_VERSION)
                                .addAllExtensions(KServe.EXTENSIONS)
                                .build());
    }

    @Override
    public Uni<ModelMetadataResponse> modelMetadata(ModelMetadataRequest request) {
        return answer(
                () -> {
                    KServe.ModelMetadata m =
                            models.metadata(request.getName(), version(request.getVersion()));
                    ModelMetadataResponse.Builder b =
                            ModelMetadataResponse.newBuilder()
                                    .setName(m.name())
                                    .addAllVersions(m.versions())
                                    .setPlatform(m.platform());
                    m.inputs().forEach(t -> b.addInputs(tensor(t)));
                    m.outputs().forEach(t -> b.addOutputs(tensor(t)));
                    return b.build();
                });
    }

    private static ModelMetadataResponse.TensorMetadata tensor(KServe.TensorMetadata t) {
        return ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName(t.name())
                .setDatatype(t.datatype())
                .addAllShape(t.shape())
                .build();
    }

    /**
     * Runs on the gRPC event loop: the checks and the copy of the values are short, the scoring is
     * asynchronous (the micro-batcher's worker completes the answer).
     */
    @Override
    public Uni<ModelInferResponse> modelInfer(ModelInferRequest request) {
        try {
            String name = request.getModelName();
            if (name.isEmpty()) {
                throw new KServeException(400, "model_name: missing");
            }
            String version = version(request.getModelVersion());
            models.model(name, version);
            List<String> outputs = outputs(request);
            boolean raw = request.getRawInputContentsCount() > 0;
            var instances = inputs.instances(tensors(request));
            String served = name.equals(models.alias()) ? null : name;
            return Uni.createFrom()
                    .completionStage(
                            () ->
                                    scorer.submit(
                                            served, version, instances, "grpc", request.getId()))
                    .map(scores -> response(request, scores, outputs, raw))
                    .onFailure()
                    .transform(f -> status(ServedModels.error(f)));
        } catch (KServeException e) {
            return Uni.createFrom().failure(status(e));
        }
    }

    @Override
    public Uni<RepositoryIndexResponse> repositoryIndex(RepositoryIndexRequest request) {
        return blocking(
                () -> {
                    RepositoryIndexResponse.Builder b = RepositoryIndexResponse.newBuilder();
                    for (KServe.RepositoryModel m : repository.index(request.getReady())) {
                        b.addModels(
                                RepositoryIndexResponse.ModelIndex.newBuilder()
                                        .setName(m.name())
                                        .setVersion(m.version())
                                        .setState(m.state())
                                        .setReason(m.reason()));
                    }
                    return b.build();
                });
    }

    /** Loads the version in {@code parameters["version"]} (else the newest); answers once ready. */
    @Override
    public Uni<RepositoryModelLoadResponse> repositoryModelLoad(
            RepositoryModelLoadRequest request) {
        return blocking(
                () -> {
                    repository.load(
                            request.getModelName(), versionParameter(request.getParametersMap()));
                    return RepositoryModelLoadResponse.getDefaultInstance();
                });
    }

    @Override
    public Uni<RepositoryModelUnloadResponse> repositoryModelUnload(
            RepositoryModelUnloadRequest request) {
        return blocking(
                () -> {
                    repository.unload(
                            request.getModelName(), versionParameter(request.getParametersMap()));
                    return RepositoryModelUnloadResponse.getDefaultInstance();
                });
    }

    private static String versionParameter(Map<String, ModelRepositoryParameter> parameters) {
        ModelRepositoryParameter p = parameters.get("version");
        if (p == null) {
            return null;
        }
        if (!p.hasStringParam() || p.getStringParam().isBlank()) {
            throw new KServeException(400, "parameters[\"version\"]: expected string_param");
        }
        return p.getStringParam();
    }

    /** Runs a repository call (it may load a model) on a worker thread, not the event loop. */
    private static <T> Uni<T> blocking(Supplier<T> call) {
        return Uni.createFrom()
                .item(call)
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .onFailure(KServeException.class)
                .transform(f -> status((KServeException) f));
    }

    /** Empty is "no version" in proto3. */
    private static String version(String v) {
        return v.isEmpty() ? null : v;
    }

    private List<InputTensor> tensors(ModelInferRequest request) {
        int raw = request.getRawInputContentsCount();
        if (raw > 0 && raw != request.getInputsCount()) {
            throw new KServeException(
                    400,
                    "raw_input_contents: "
                            + raw
                            + " entries for "
                            + request.getInputsCount()
                            + " inputs (one per input, in order)");
        }
        List<InputTensor> tensors = new ArrayList<>(request.getInputsCount());
        for (int i = 0; i < request.getInputsCount(); i++) {
            ModelInferRequest.InferInputTensor in = request.getInputs(i);
            InputTensor t =
                    new InputTensor(
                            "inputs[" + i + "]", in.getName(), in.getDatatype(), in.getShapeList());
            if (raw > 0) {
                if (in.hasContents()) {
                    throw new KServeException(
                            400,
                            t.field()
                                    + ".contents: given together with raw_input_contents; give the values one way");
                }
                inputs.fromRaw(t, request.getRawInputContents(i).asReadOnlyByteBuffer());
            } else if (in.hasContents()) {
                fromContents(t, in.getContents());
            }
            tensors.add(t);
        }
        return tensors;
    }

    /** FP32 values from {@code fp32_contents}, UINT8 from {@code uint_contents}. */
    private void fromContents(InputTensor t, InferTensorContents c) {
        boolean uint8 = InferInputs.UINT8.equals(t.datatype());
        int n = uint8 ? c.getUintContentsCount() : c.getFp32ContentsCount();
        if (n > inputs.maxValues()) {
            throw inputs.tooMany(t.field() + ".contents");
        }
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            if (uint8) {
                int v = c.getUintContents(i);
                if (v < 0 || v > 255) {
                    throw new KServeException(
                            400,
                            t.field()
                                    + ".contents.uint_contents["
                                    + i
                                    + "]: "
                                    + Integer.toUnsignedString(v)
                                    + " is not a UINT8 (0..255)");
                }
                values[i] = v;
            } else {
                values[i] = c.getFp32Contents(i);
                if (!Float.isFinite(values[i])) {
                    throw new KServeException(
                            400,
                            t.field()
                                    + ".contents.fp32_contents["
                                    + i
                                    + "]: "
                                    + values[i]
                                    + " is not a finite number");
                }
            }
        }
        t.values(values, n);
    }

    private static List<String> outputs(ModelInferRequest request) {
        if (request.getOutputsCount() == 0) {
            return List.of(TensorNames.PROBABILITIES, TensorNames.EMBEDDING);
        }
        List<String> names = new ArrayList<>(2);
        for (int i = 0; i < request.getOutputsCount(); i++) {
            String name = request.getOutputs(i).getName();
            if (!name.equals(TensorNames.PROBABILITIES) && !name.equals(TensorNames.EMBEDDING)) {
                throw new KServeException(
                        400,
                        "outputs["
                                + i
                                + "].name: unknown output '"
                                + name
                                + "' (probabilities, embedding)");
            }
            if (names.contains(name)) {
                throw new KServeException(
                        400, "outputs[" + i + "].name: output '" + name + "' asked for twice");
            }
            names.add(name);
        }
        return names;
    }

    private static ModelInferResponse response(
            ModelInferRequest request, Scores scores, List<String> outputs, boolean raw) {
        ModelInferResponse.Builder b =
                ModelInferResponse.newBuilder()
                        .setModelName(request.getModelName())
                        .setModelVersion(scores.modelVersion())
                        .setId(request.getId());
        for (String name : outputs) {
            boolean probabilities = name.equals(TensorNames.PROBABILITIES);
            float[] values = probabilities ? scores.probabilities() : scores.embedding();
            ModelInferResponse.InferOutputTensor.Builder t =
                    ModelInferResponse.InferOutputTensor.newBuilder()
                            .setName(name)
                            .setDatatype(KServe.FP32)
                            .addShape(scores.n())
                            .addShape(probabilities ? Dimensions.CLASSES : scores.dim());
            if (raw) {
                ByteBuffer bytes =
                        ByteBuffer.allocate(values.length * Float.BYTES)
                                .order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(values);
                b.addRawOutputContents(ByteString.copyFrom(bytes));
            } else {
                InferTensorContents.Builder c = InferTensorContents.newBuilder();
                for (float v : values) {
                    c.addFp32Contents(v);
                }
                t.setContents(c);
            }
            b.addOutputs(t);
        }
        return b.build();
    }

    private static <T> Uni<T> answer(Supplier<T> answer) {
        try {
            return Uni.createFrom().item(answer.get());
        } catch (KServeException e) {
            return Uni.createFrom().failure(status(e));
        }
    }

    /** The REST status of an error as the gRPC status code, with the same message. */
    static StatusRuntimeException status(KServeException e) {
        Status s =
                switch (e.status()) {
                    case 400, 413 -> Status.INVALID_ARGUMENT;
                    case 401 -> Status.UNAUTHENTICATED;
                    case 403 -> Status.PERMISSION_DENIED;
                    case 404 -> Status.NOT_FOUND;
                    case 409 -> Status.FAILED_PRECONDITION;
                    case 503 -> Status.UNAVAILABLE;
                    default -> Status.INTERNAL;
                };
        return s.withDescription(e.getMessage()).asRuntimeException();
    }
}
