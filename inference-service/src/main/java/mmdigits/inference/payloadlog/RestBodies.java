package mmdigits.inference.payloadlog;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;
import java.io.IOException;

/**
 * Copies the body of a request {@link RestExchanges} marked as the resource reads it (up to {@code
 * inference.payload-log.max-body-bytes}): the bytes as received, read once.
 */
@Provider
public class RestBodies implements ReaderInterceptor {
    private final PayloadLog log;

    public RestBodies(PayloadLog log) {
        this.log = log;
    }

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
        if (context.getProperty(RestCapture.PROPERTY) instanceof RestCapture c) {
            BoundedCopy copy = new BoundedCopy(log.maxBodyBytes());
            context.setInputStream(copy.tee(context.getInputStream()));
            MediaType type = context.getMediaType();
            c.requestCopy(copy, type == null ? null : type.toString());
        }
        return context.proceed();
    }
}
