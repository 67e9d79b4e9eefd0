package mmdigits.inference.payloadlog;

import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import io.quarkus.logging.Log;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;
import mmdigits.inference.grpc.oip.GRPCInferenceServiceGrpc;
import mmdigits.inference.grpc.oip.ModelInferRequest;
import mmdigits.inference.grpc.oip.ModelInferResponse;

/**
 * The gRPC edge of the payload log: each {@code ModelInfer} call's request and answer (the
 * messages, written in their JSON form by the sender), the version from the answer's {@code
 * model_version}, the request id from the {@code x-request-id} metadata, else the request's {@code
 * id}, else a new one — returned in the {@code x-request-id} header (or trailer). Runs inside the
 * role check (a lower priority): a call refused for its token is not logged, as on REST.
 */
@GlobalInterceptor
@ApplicationScoped
@Priority(-100)
public class GrpcExchanges implements ServerInterceptor {
    static final Metadata.Key<String> REQUEST_ID =
            Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> TRACEPARENT =
            Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
    private static final String MODEL_INFER =
            GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName();

    private final PayloadLog log;

    public GrpcExchanges(PayloadLog log) {
        this.log = log;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!log.enabled() || !MODEL_INFER.equals(call.getMethodDescriptor().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        Capture c =
                new Capture(
                        RestExchanges.given(headers.get(REQUEST_ID), RestExchanges.GIVEN_ID),
                        RestExchanges.given(
                                headers.get(TRACEPARENT), RestExchanges.W3C_TRACEPARENT));
        ServerCall.Listener<Q> listener = next.startCall(new Call<>(call, c), headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(Q message) {
                c.request = (ModelInferRequest) message;
                super.onMessage(message);
            }
        };
    }

    /** One call's facts, filled in as the call goes. */
    private final class Capture {
        final Instant time = Instant.now();
        final long start = System.nanoTime();
        final String givenId;
        final String traceparent;
        volatile ModelInferRequest request;
        volatile ModelInferResponse response;
        private volatile String requestId;

        Capture(String givenId, String traceparent) {
            this.givenId = givenId;
            this.traceparent = traceparent;
        }

        String requestId() {
            if (requestId == null) {
                ModelInferRequest r = request;
                requestId =
                        givenId != null
                                ? givenId
                                : r != null && !r.getId().isEmpty()
                                        ? r.getId()
                                        : UUID.randomUUID().toString();
            }
            return requestId;
        }

        Exchange exchange(Status status) {
            ModelInferRequest req = request;
            ModelInferResponse res = response;
            return new Exchange(
                    requestId(),
                    "grpc",
                    MODEL_INFER,
                    req == null ? "" : req.getModelName(),
                    res == null ? null : res.getModelVersion(),
                    status.getCode().name(),
                    traceparent,
                    time,
                    System.nanoTime() - start,
                    body(req),
                    body(res));
        }

        private Body body(Message m) {
            return m == null
                    ? Body.omitted(PayloadEvents.PROTOBUF, 0, "not_read")
                    : Body.of(m, log.maxBodyBytes());
        }
    }

    private final class Call<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final Capture c;
        private boolean headersSent;

        Call(ServerCall<Q, R> call, Capture c) {
            super(call);
            this.c = c;
        }

        @Override
        public void sendHeaders(Metadata headers) {
            headers.put(REQUEST_ID, c.requestId());
            headersSent = true;
            super.sendHeaders(headers);
        }

        @Override
        public void sendMessage(R message) {
            c.response = (ModelInferResponse) message;
            super.sendMessage(message);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            try {
                if (!headersSent) {
                    trailers.put(REQUEST_ID, c.requestId());
                }
                log.offer(c.exchange(status));
            } catch (RuntimeException e) {
                Log.warnf(e, "payload log: a gRPC call not captured");
            }
            super.close(status, trailers);
        }
    }
}
