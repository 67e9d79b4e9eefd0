package mmdigits.inference.payloadlog;

import java.time.Instant;
import java.util.UUID;

/**
 * What the REST edges gather about one inference request, from its arrival to its answer (request
 * and response filters); kept in the request's properties.
 */
final class RestCapture {
    static final String PROPERTY = RestCapture.class.getName();

    final String protocol;
    final String endpoint;
    final String model;
    final String traceparent;
    final Instant time = Instant.now();
    final long start = System.nanoTime();
    private String requestId;
    private Body request;
    private BoundedCopy requestCopy;
    private String requestType;
    private int status;
    private String modelVersion;

    RestCapture(
            String protocol, String endpoint, String model, String requestId, String traceparent) {
        this.protocol = protocol;
        this.endpoint = endpoint;
        this.model = model;
        this.requestId = requestId;
        this.traceparent = traceparent;
    }

    /** The request's body is not read through a stream (a multipart form): only its size. */
    void requestOmitted(String contentType, long size, String why) {
        request = Body.omitted(contentType, size, why);
    }

    void requestCopy(BoundedCopy copy, String contentType) {
        this.requestCopy = copy;
        this.requestType = contentType;
    }

    /**
     * The answer's status and facts, once the resource answered; the request id falls back to the
     * answer's own (KServe {@code id}), then to a new one.
     */
    String answered(int status, String modelVersion, String answerId) {
        this.status = status;
        this.modelVersion = modelVersion;
        if (requestId == null) {
            requestId =
                    answerId != null && !answerId.isEmpty()
                            ? answerId
                            : UUID.randomUUID().toString();
        }
        return requestId;
    }

    Exchange exchange(Body response) {
        Body req =
                request != null
                        ? request
                        : requestCopy != null
                                ? requestCopy.body(requestType)
                                : Body.omitted(requestType, 0, "not_read");
        return new Exchange(
                requestId,
                protocol,
                endpoint,
                model,
                modelVersion,
                Integer.toString(status),
                traceparent,
                time,
                System.nanoTime() - start,
                req,
                response);
    }
}
