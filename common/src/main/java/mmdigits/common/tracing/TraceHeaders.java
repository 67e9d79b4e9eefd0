package mmdigits.common.tracing;

import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Kafka record headers as the carrier of a trace context: the propagator's fields (W3C {@code
 * traceparent} and {@code tracestate}) are written as UTF-8 header values and read back from them.
 * A Kafka record has no other place for it, and every service reads and writes records with plain
 * clients, so this one getter and setter is what ingest, inference and viz share. Reading never
 * fails a record: a missing, foreign or malformed header gives the context it was given (no
 * parent).
 */
public final class TraceHeaders {
    /** Reads a header's last value (a record re-sent with a new context carries both). */
    public static final TextMapGetter<Headers> GETTER =
            new TextMapGetter<>() {
                @Override
                public Iterable<String> keys(Headers carrier) {
                    List<String> keys = new ArrayList<>();
                    if (carrier != null) {
                        for (Header h : carrier) {
                            keys.add(h.key());
                        }
                    }
                    return keys;
                }

                @Override
                public String get(Headers carrier, String key) {
                    Header h = carrier == null ? null : carrier.lastHeader(key);
                    return h == null || h.value() == null
                            ? null
                            : new String(h.value(), StandardCharsets.UTF_8);
                }
            };

    /** Replaces the header: a record carries one context, the one of the span that wrote it. */
    public static final TextMapSetter<Headers> SETTER =
            (carrier, key, value) -> {
                if (carrier != null) {
                    carrier.remove(key);
                    carrier.add(key, value.getBytes(StandardCharsets.UTF_8));
                }
            };

    private final TextMapPropagator propagator;

    public TraceHeaders(TextMapPropagator propagator) {
        this.propagator = propagator;
    }

    /** Writes {@code context}'s span context into the headers (nothing when it has none). */
    public void inject(Context context, Headers headers) {
        propagator.inject(context, headers, SETTER);
    }

    /**
     * The context the headers carry, on top of the root context; the root context when they carry
     * none or one that does not parse.
     */
    public Context extract(Headers headers) {
        try {
            return propagator.extract(Context.root(), headers, GETTER);
        } catch (RuntimeException e) {
            return Context.root(); // a propagator of someone else's making: never fail the record
        }
    }
}
