package mmdigits.inference.payloadlog;

import java.time.Instant;

/**
 * One inference request and its answer, as the payload log writes them in one CloudEvent.
 *
 * @param requestId the key: the caller's {@code X-Request-Id} (gRPC {@code x-request-id}), else the
 *     KServe/gRPC request's {@code id}, else made up (and returned in {@code X-Request-Id})
 * @param protocol {@code rest}, {@code kserve} or {@code grpc}
 * @param endpoint e.g. {@code POST /api/predictions}, {@code
 *     inference.GRPCInferenceService/ModelInfer}
 * @param model the model name asked for (the alias when none was)
 * @param modelVersion the version that answered (from the answer), null when none did
 * @param status the HTTP status, or the gRPC status code's name
 * @param traceparent the request's W3C {@code traceparent}, null when it had none (or a malformed
 *     one)
 * @param time when the request arrived
 * @param latencyNanos from the request's arrival to its answer
 */
public record Exchange(
        String requestId,
        String protocol,
        String endpoint,
        String model,
        String modelVersion,
        String status,
        String traceparent,
        Instant time,
        long latencyNanos,
        Body request,
        Body response) {

    long heldBytes() {
        return request.heldBytes() + response.heldBytes();
    }
}
