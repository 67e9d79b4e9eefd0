package mmdigits.inference.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import mmdigits.inference.grpc.oip.GRPCInferenceServiceGrpc;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The HTTP rule for predictions on the gRPC port: with {@code mmdigits.auth.predictions=predict}
 * (the production overlay) {@code ModelInfer} needs a bearer token in the {@code authorization}
 * metadata, signed with the service's verify key and carrying the role {@code predict}; health and
 * metadata stay open, as their REST routes do. Missing or bad token: UNAUTHENTICATED; without the
 * role: PERMISSION_DENIED.
 */
@GlobalInterceptor
@ApplicationScoped
public class PredictRoleInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Set<String> GUARDED =
            Set.of(GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName());

    private final JWTParser parser;
    private final boolean required;

    public PredictRoleInterceptor(
            JWTParser parser, @ConfigProperty(name = "mmdigits.auth.predictions") String policy) {
        this.parser = parser;
        this.required = policy.equals("predict");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!required || !GUARDED.contains(call.getMethodDescriptor().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        Status refusal = refusal(headers.get(AUTHORIZATION));
        if (refusal != null) {
            call.close(refusal, new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
    }

    /** Why a call with this authorization value is refused, or null when it may go on. */
    Status refusal(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Status.UNAUTHENTICATED.withDescription(
                    "ModelInfer needs 'authorization: Bearer <token>' with the role predict");
        }
        try {
            if (!parser.parse(authorization.substring(7).trim()).getGroups().contains("predict")) {
                return Status.PERMISSION_DENIED.withDescription("the token lacks the role predict");
            }
            return null;
        } catch (ParseException e) {
            return Status.UNAUTHENTICATED.withDescription(
                    "the token was not accepted: " + e.getMessage());
        }
    }
}
