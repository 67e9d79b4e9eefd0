package mmdigits.inference.payloadlog;

import io.quarkus.logging.Log;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;
import jakarta.ws.rs.ext.WriterInterceptor;
import jakarta.ws.rs.ext.WriterInterceptorContext;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Copies the bodies of the requests {@link RestExchanges} marked as the resource reads them and as
 * their answer is written (up to {@code inference.payload-log.max-body-bytes}), and hands the
 * finished exchange to the {@link PayloadLog} once the answer's last byte is written.
 */
@Provider
public class RestBodies implements ReaderInterceptor, WriterInterceptor {
    private final PayloadLog log;

    public RestBodies(PayloadLog log) {
        this.log = log;
    }

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
        if (context.getProperty(RestCapture.PROPERTY) instanceof RestCapture c) {
            BoundedCopy copy = new BoundedCopy(log.maxBodyBytes());
            context.setInputStream(copy.tee(context.getInputStream()));
            c.requestCopy(copy, type(context.getMediaType()));
        }
        return context.proceed();
    }

    @Override
    public void aroundWriteTo(WriterInterceptorContext context) throws IOException {
        if (!(context.getProperty(RestCapture.PROPERTY) instanceof RestCapture c)) {
            context.proceed();
            return;
        }
        OutputStream original = context.getOutputStream();
        BoundedCopy copy = new BoundedCopy(log.maxBodyBytes());
        context.setOutputStream(copy.tee(original));
        try {
            context.proceed();
        } finally {
            context.setOutputStream(original);
            offer(c, copy.body(type(context.getMediaType())));
        }
    }

    private void offer(RestCapture c, Body response) {
        try {
            log.offer(c.exchange(response));
        } catch (RuntimeException e) {
            Log.warnf(e, "payload log: an exchange not captured");
        }
    }

    private static String type(MediaType type) {
        return type == null ? null : type.toString();
    }
}
