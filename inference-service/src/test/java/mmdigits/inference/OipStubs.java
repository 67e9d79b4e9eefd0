package mmdigits.inference;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;
import mmdigits.inference.grpc.oip.GRPCInferenceServiceGrpc;
import mmdigits.localkafka.KafkaBrokerTestResource;

/** Open Inference Protocol gRPC clients of the tests, with a bearer token of some roles or none. */
public final class OipStubs {
    private OipStubs() {}

    /** A blocking stub (60 s deadline); with roles, every call carries a token with them. */
    public static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub(
            ManagedChannel channel, String... roles) {
        var stub =
                GRPCInferenceServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(60, TimeUnit.SECONDS);
        if (roles.length == 0) {
            return stub;
        }
        Metadata headers = new Metadata();
        headers.put(
                Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
                "Bearer " + KafkaBrokerTestResource.token(roles));
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
}
