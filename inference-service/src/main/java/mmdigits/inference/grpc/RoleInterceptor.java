package mmdigits.inference.grpc;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import mmdigits.inference.grpc.oip.GRPCInferenceServiceGrpc;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The HTTP rules on the gRPC port: the model repository's calls ({@code RepositoryIndex}, {@code
 * RepositoryModelLoad}, {@code RepositoryModelUnload}) always need a bearer token in the {@code
 * authorization} metadata, signed with the service's verify key and carrying the role {@code
 * admin}; with {@code mmdigits.auth.predictions=predict} (the production overlay) {@code
 * ModelInfer} needs the role {@code predict}. Health and metadata stay open, as their REST routes
 * do. Missing or bad token: UNAUTHENTICATED; without the role: PERMISSION_DENIED.
 */
@GlobalInterceptor
@ApplicationScoped
public class RoleInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final JWTParser parser;
    private final Map<String, String> roles = new HashMap<>();

    public RoleInterceptor(
            JWTParser parser, @ConfigProperty(name = "mmdigits.auth.predictions") String policy) {
        this.parser = parser;
        if (policy.equals("predict")) {
            roles.put(
                    GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName(), "predict");
        }
        for (MethodDescriptor<?, ?> m :
                List.of(
                        GRPCInferenceServiceGrpc.getRepositoryIndexMethod(),
                        GRPCInferenceServiceGrpc.getRepositoryModelLoadMethod(),
                        GRPCInferenceServiceGrpc.getRepositoryModelUnloadMethod())) {
            roles.put(m.getFullMethodName(), "admin");
        }
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        String role = roles.get(method);
        if (role == null) {
            return next.startCall(call, headers);
        }
        Status refusal = refusal(method, role, headers.get(AUTHORIZATION));
        if (refusal != null) {
            call.close(refusal, new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
    }

    /** The role a method needs, or null when it is open. */
    String role(String fullMethodName) {
        return roles.get(fullMethodName);
    }

    /** Why a call needing {@code role} with this authorization value is refused, or null. */
    Status refusal(String method, String role, String authorization) {
        String shortName = method.substring(method.lastIndexOf('/') + 1);
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Status.UNAUTHENTICATED.withDescription(
                    shortName + " needs 'authorization: Bearer <token>' with the role " + role);
        }
        try {
            if (!parser.parse(authorization.substring(7).trim()).getGroups().contains(role)) {
                return Status.PERMISSION_DENIED.withDescription("the token lacks the role " + role);
            }
            return null;
        } catch (ParseException e) {
            return Status.UNAUTHENTICATED.withDescription(
                    "the token was not accepted: " + e.getMessage());
        }
    }
}
