package mmdigits.inference.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.jwt.auth.principal.JWTParser;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import mmdigits.common.proto.Sample;
import mmdigits.inference.KServeJson;
import mmdigits.inference.KafkaFixtures;
import mmdigits.inference.ReferenceModel;
import mmdigits.inference.Releases;
import mmdigits.inference.grpc.oip.GRPCInferenceServiceGrpc;
import mmdigits.inference.grpc.oip.InferTensorContents;
import mmdigits.inference.grpc.oip.ModelInferRequest;
import mmdigits.inference.grpc.oip.ModelInferResponse;
import mmdigits.inference.grpc.oip.ModelMetadataRequest;
import mmdigits.inference.grpc.oip.ModelMetadataResponse;
import mmdigits.inference.grpc.oip.ModelReadyRequest;
import mmdigits.inference.grpc.oip.ServerLiveRequest;
import mmdigits.inference.grpc.oip.ServerMetadataRequest;
import mmdigits.inference.grpc.oip.ServerReadyRequest;
import mmdigits.localkafka.KafkaBrokerTestResource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The Open Inference Protocol over gRPC, spoken by a plain grpc-java client (Netty transport, the
 * stubs of the protocol's .proto) on the service's gRPC port: the same answers as the REST JSON
 * routes.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
@Order(3)
class InferenceGrpcServiceTest {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = KafkaBrokerTestResource.GRPC_PORT)
    int grpcPort;

    @Inject JWTParser jwt;

    String version;
    ReferenceModel ref;
    ManagedChannel channel;
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub oip;

    @BeforeEach
    void connect() throws Exception {
        version = Releases.ensureLoaded(bootstrap);
        ref = Releases.MODELS.get(version);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        oip =
                GRPCInferenceServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void healthAndMetadata() {
        assertThat(oip.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertThat(oip.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
        var server = oip.serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertThat(server.getName()).isEqualTo("mmdigits-inference");
        assertThat(server.getExtensionsList())
                .containsExactly("binary_tensor_data", "model_repository");
        assertThat(
                        oip.modelReady(ModelReadyRequest.newBuilder().setName("digits").build())
                                .getReady())
                .isTrue();
        assertThat(
                        oip.modelReady(
                                        ModelReadyRequest.newBuilder()
                                                .setName("digits")
                                                .setVersion(version)
                                                .build())
                                .getReady())
                .isTrue();
        ModelMetadataResponse m =
                oip.modelMetadata(ModelMetadataRequest.newBuilder().setName("digits").build());
        assertThat(m.getVersionsList()).containsExactly(version);
        assertThat(m.getPlatform()).isEqualTo("onnxruntime_onnx");
        assertThat(m.getInputsList())
                .extracting(ModelMetadataResponse.TensorMetadata::getName)
                .containsExactly("image", "audio");
        assertThat(m.getInputs(0).getShapeList()).containsExactly(-1L, 784L);
        assertThat(m.getOutputs(1).getShapeList()).containsExactly(-1L, (long) ReferenceModel.D);
        assertStatus(
                () ->
                        oip.modelReady(
                                ModelReadyRequest.newBuilder()
                                        .setName("digits")
                                        .setVersion("nope")
                                        .build()),
                Status.Code.NOT_FOUND,
                "model 'digits' version 'nope' is not loaded");
        assertStatus(
                () -> oip.modelMetadata(ModelMetadataRequest.newBuilder().setName("mnist").build()),
                Status.Code.NOT_FOUND,
                "unknown model 'mnist'");
    }

    static void assertStatus(Runnable call, Status.Code code, String message) {
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(code);
                            assertThat(e.getStatus().getDescription()).contains(message);
                        });
    }

    static ModelInferRequest.InferInputTensor.Builder input(
            String name, String datatype, long rows, long width) {
        return ModelInferRequest.InferInputTensor.newBuilder()
                .setName(name)
                .setDatatype(datatype)
                .addShape(rows)
                .addShape(width);
    }

    static InferTensorContents fp32(float[] values) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (float v : values) {
            c.addFp32Contents(v);
        }
        return c.build();
    }

    static ByteString le(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return ByteString.copyFrom(b);
    }

    static float[] floats(ByteString raw) {
        float[] v = new float[raw.size() / 4];
        raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    static float[] floats(InferTensorContents c) {
        float[] v = new float[c.getFp32ContentsCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = c.getFp32Contents(i);
        }
        return v;
    }

    @Test
    void modelInferAnswersWhatRestAnswers() throws Exception {
        Sample a = KafkaFixtures.sample("grpc", 1, true);
        Sample b = KafkaFixtures.sample("grpc", 2, true);
        float[] img = KServeJson.images(a, b);
        float[] aud = KServeJson.audio(a, b);
        float[][] json = KServeJson.answer(img, aud);

        // values in contents: answered in contents
        ModelInferResponse r =
                oip.modelInfer(
                        ModelInferRequest.newBuilder()
                                .setModelName("digits")
                                .setId("g-1")
                                .addInputs(input("image", "FP32", 2, 784).setContents(fp32(img)))
                                .addInputs(input("audio", "FP32", 2, 507).setContents(fp32(aud)))
                                .build());
        assertThat(r.getModelName()).isEqualTo("digits");
        assertThat(r.getModelVersion()).isEqualTo(version);
        assertThat(r.getId()).isEqualTo("g-1");
        assertThat(r.getOutputsList())
                .extracting(ModelInferResponse.InferOutputTensor::getName)
                .containsExactly("probabilities", "embedding");
        assertThat(r.getOutputs(0).getShapeList()).containsExactly(2L, 10L);
        assertThat(r.getOutputs(1).getShapeList()).containsExactly(2L, (long) ReferenceModel.D);
        assertThat(floats(r.getOutputs(0).getContents())).containsExactly(json[0], within(1e-6f));
        assertThat(floats(r.getOutputs(1).getContents())).containsExactly(json[1], within(1e-6f));
        double[] expected = ref.forward(KafkaFixtures.image(b), KafkaFixtures.audio(b))[0];
        for (int k = 0; k < 10; k++) {
            assertThat((double) r.getOutputs(0).getContents().getFp32Contents(10 + k))
                    .isCloseTo(expected[k], within(1e-5));
        }

        // raw_input_contents: answered in raw_output_contents, on the version, one output asked for
        r =
                oip.modelInfer(
                        ModelInferRequest.newBuilder()
                                .setModelName("digits")
                                .setModelVersion(version)
                                .addInputs(input("image", "FP32", 2, 784))
                                .addInputs(input("audio", "FP32", 2, 507))
                                .addRawInputContents(le(img))
                                .addRawInputContents(le(aud))
                                .addOutputs(
                                        ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                                                .setName("embedding"))
                                .build());
        assertThat(r.getOutputsCount()).isEqualTo(1);
        assertThat(r.getOutputs(0).hasContents()).isFalse();
        assertThat(floats(r.getRawOutputContents(0))).containsExactly(json[1], within(1e-6f));

        // a UINT8 image (what x_test_wr.npy holds) as raw bytes and as uint_contents: the same as
        // its floats
        float[] whole = new float[img.length];
        byte[] bytes = new byte[img.length];
        InferTensorContents.Builder uints = InferTensorContents.newBuilder();
        for (int i = 0; i < img.length; i++) {
            int v = Math.round(Math.min(255, Math.max(0, img[i] * 255)));
            whole[i] = v;
            bytes[i] = (byte) v;
            uints.addUintContents(v);
        }
        float[][] wholeJson = KServeJson.answer(whole, aud);
        r =
                oip.modelInfer(
                        ModelInferRequest.newBuilder()
                                .setModelName("digits")
                                .addInputs(input("image", "UINT8", 2, 784))
                                .addInputs(input("audio", "FP32", 2, 507))
                                .addRawInputContents(ByteString.copyFrom(bytes))
                                .addRawInputContents(le(aud))
                                .build());
        assertThat(floats(r.getRawOutputContents(0))).containsExactly(wholeJson[0], within(1e-6f));
        r =
                oip.modelInfer(
                        ModelInferRequest.newBuilder()
                                .setModelName("digits")
                                .addInputs(input("image", "UINT8", 2, 784).setContents(uints))
                                .addInputs(input("audio", "FP32", 2, 507).setContents(fp32(aud)))
                                .build());
        assertThat(floats(r.getOutputs(0).getContents()))
                .containsExactly(wholeJson[0], within(1e-6f));
    }

    @Test
    void errorsAreStatusCodesNamingTheField() {
        float[] z = new float[784];
        assertStatus(
                () ->
                        oip.modelInfer(
                                ModelInferRequest.newBuilder()
                                        .setModelName("digits")
                                        .addInputs(
                                                input("image", "FP32", 2, 784).setContents(fp32(z)))
                                        .build()),
                Status.Code.INVALID_ARGUMENT,
                "inputs[0].data: 784 values for shape [2,784] (1568 expected)");
        assertStatus(
                () ->
                        oip.modelInfer(
                                ModelInferRequest.newBuilder()
                                        .setModelName("digits")
                                        .addInputs(
                                                input("pixels", "FP32", 1, 784)
                                                        .setContents(fp32(z)))
                                        .build()),
                Status.Code.INVALID_ARGUMENT,
                "inputs[0].name: unknown input 'pixels'");
        assertStatus(
                () ->
                        oip.modelInfer(
                                ModelInferRequest.newBuilder()
                                        .setModelName("digits")
                                        .addInputs(input("image", "FP32", 1, 784))
                                        .addInputs(input("audio", "FP32", 1, 507))
                                        .addRawInputContents(le(z))
                                        .build()),
                Status.Code.INVALID_ARGUMENT,
                "raw_input_contents: 1 entries for 2 inputs");
        assertStatus(
                () ->
                        oip.modelInfer(
                                ModelInferRequest.newBuilder()
                                        .setModelName("digits")
                                        .addInputs(input("image", "FP32", 1, 784))
                                        .addRawInputContents(ByteString.copyFrom(new byte[3135]))
                                        .build()),
                Status.Code.INVALID_ARGUMENT,
                "inputs[0]: 3135 bytes of FP32 is not a whole number of 4-byte elements");
        assertStatus(
                () ->
                        oip.modelInfer(
                                ModelInferRequest.newBuilder()
                                        .setModelName("digits")
                                        .addInputs(
                                                input("image", "UINT8", 1, 784)
                                                        .setContents(
                                                                InferTensorContents.newBuilder()
                                                                        .addAllUintContents(
                                                                                Collections.nCopies(
                                                                                        784, 300))))
                                        .build()),
                Status.Code.INVALID_ARGUMENT,
                "inputs[0].contents.uint_contents[0]: 300 is not a UINT8");
        assertStatus(
                () ->
                        oip.modelInfer(
                                ModelInferRequest.newBuilder()
                                        .setModelName("digits")
                                        .addInputs(
                                                input("image", "FP32", 1, 784).setContents(fp32(z)))
                                        .addOutputs(
                                                ModelInferRequest.InferRequestedOutputTensor
                                                        .newBuilder()
                                                        .setName("logits"))
                                        .build()),
                Status.Code.INVALID_ARGUMENT,
                "outputs[0].name: unknown output 'logits'");
        assertStatus(
                () -> oip.modelInfer(ModelInferRequest.newBuilder().setModelName("mnist").build()),
                Status.Code.NOT_FOUND,
                "unknown model 'mnist'");
        assertStatus(
                () -> oip.modelInfer(ModelInferRequest.newBuilder().build()),
                Status.Code.INVALID_ARGUMENT,
                "model_name: missing");
        // the service still answers after all that
        assertThat(oip.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    }

    /**
     * With predictions closed (the production overlay), ModelInfer needs a token with the role
     * predict.
     */
    @Test
    void closedPredictionsNeedThePredictRole() {
        RoleInterceptor closed = new RoleInterceptor(jwt, "predict");
        String infer = GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName();
        assertThat(closed.role(infer)).isEqualTo("predict");
        assertThat(new RoleInterceptor(jwt, "permit").role(infer)).as("open by default").isNull();
        assertThat(closed.refusal(infer, "predict", null).getCode())
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(closed.refusal(infer, "predict", "Basic dXNlcjpwdw==").getCode())
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(closed.refusal(infer, "predict", "Bearer not-a-token").getCode())
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(
                        closed.refusal(
                                        infer,
                                        "predict",
                                        "Bearer " + KafkaBrokerTestResource.token("train"))
                                .getCode())
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(
                        closed.refusal(
                                infer,
                                "predict",
                                "Bearer " + KafkaBrokerTestResource.token("predict")))
                .isNull();
        assertThat(
                        closed.refusal(
                                infer,
                                "predict",
                                "bearer " + KafkaBrokerTestResource.token("predict", "train")))
                .isNull();
    }
}
