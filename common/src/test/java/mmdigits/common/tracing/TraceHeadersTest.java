package mmdigits.common.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * The trace context through Kafka record headers with the W3C propagator: what is injected is
 * extracted unchanged; a header of someone else's making — malformed, of an unknown version,
 * undecodable bytes, empty — gives no parent and never throws, so the record is processed as one
 * without a context. Reference values: the W3C Trace Context specification's example header.
 */
class TraceHeadersTest {
    static final TraceHeaders W3C = new TraceHeaders(W3CTraceContextPropagator.getInstance());

    /** The specification's example: version 00, sampled. */
    static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    static final String SPAN_ID = "00f067aa0ba902b7";
    static final String EXAMPLE = "00-" + TRACE_ID + "-" + SPAN_ID + "-01";

    static Context withSpan(String traceState) {
        SpanContext sc =
                SpanContext.create(
                        TRACE_ID,
                        SPAN_ID,
                        TraceFlags.getSampled(),
                        traceState == null
                                ? TraceState.getDefault()
                                : TraceState.builder().put("vendor", traceState).build());
        return Context.root().with(Span.wrap(sc));
    }

    static String header(Headers h, String key) {
        return new String(h.lastHeader(key).value(), StandardCharsets.UTF_8);
    }

    static SpanContext extracted(Headers h) {
        return Span.fromContext(W3C.extract(h)).getSpanContext();
    }

    @Test
    void injectWritesTheW3cHeadersAndExtractGivesTheSameSpanContextBack() {
        Headers h = new RecordHeaders();
        h.add("content-type", "application/x-protobuf".getBytes(StandardCharsets.UTF_8));
        W3C.inject(withSpan("v1"), h);

        assertThat(header(h, "traceparent")).isEqualTo(EXAMPLE);
        assertThat(header(h, "tracestate")).isEqualTo("vendor=v1");
        SpanContext back = extracted(h);
        assertThat(back.isValid()).isTrue();
        assertThat(back.isRemote()).isTrue();
        assertThat(back.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(back.getSpanId()).isEqualTo(SPAN_ID);
        assertThat(back.isSampled()).isTrue();
        assertThat(back.getTraceState().get("vendor")).isEqualTo("v1");
        assertThat(header(h, "content-type")).isEqualTo("application/x-protobuf");
    }

    @Test
    void injectReplacesAContextTheRecordAlreadyCarried() {
        Headers h = new RecordHeaders();
        h.add("traceparent", ("00-" + "1".repeat(32) + "-" + "2".repeat(16) + "-01").getBytes());
        W3C.inject(withSpan(null), h);

        assertThat(h.headers("traceparent")).hasSize(1);
        assertThat(header(h, "traceparent")).isEqualTo(EXAMPLE);
    }

    @Test
    void aContextWithoutASpanWritesNothing() {
        Headers h = new RecordHeaders();
        W3C.inject(Context.root(), h);

        assertThat(h.toArray()).isEmpty();
    }

    @Test
    void aRecordWithoutHeadersHasNoParent() {
        assertThat(extracted(new RecordHeaders()).isValid()).isFalse();
        assertThat(extracted(null).isValid()).isFalse();
    }

    @Test
    void foreignAndMalformedTraceparentsAreIgnoredWithoutFailing() {
        List<byte[]> foreign =
                List.of(
                        "not a traceparent".getBytes(StandardCharsets.UTF_8),
                        ("00-" + TRACE_ID + "-" + SPAN_ID).getBytes(StandardCharsets.UTF_8),
                        ("00-" + "0".repeat(32) + "-" + SPAN_ID + "-01")
                                .getBytes(StandardCharsets.UTF_8), // all-zero trace id
                        ("ff-" + TRACE_ID + "-" + SPAN_ID + "-01")
                                .getBytes(StandardCharsets.UTF_8), // forbidden version
                        ("00-" + TRACE_ID.toUpperCase() + "-" + SPAN_ID + "-01")
                                .getBytes(StandardCharsets.UTF_8), // upper case
                        new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}, // not UTF-8
                        new byte[0]);
        for (byte[] value : foreign) {
            Headers h = new RecordHeaders();
            h.add("traceparent", value);
            h.add("tracestate", "vendor=x".getBytes(StandardCharsets.UTF_8));

            assertThat(extracted(h).isValid())
                    .as("traceparent %s", new String(value, StandardCharsets.UTF_8))
                    .isFalse();
        }
        Headers nullValue = new RecordHeaders();
        nullValue.add("traceparent", null);
        assertThat(extracted(nullValue).isValid()).isFalse();
    }

    @Test
    void aLaterVersionIsReadByItsKnownFields() {
        // the specification: a higher version with more fields is parsed as version 00
        Headers h = new RecordHeaders();
        h.add(
                "traceparent",
                ("cc-" + TRACE_ID + "-" + SPAN_ID + "-01-what-comes-next")
                        .getBytes(StandardCharsets.UTF_8));

        assertThat(extracted(h).getTraceId()).isEqualTo(TRACE_ID);
    }

    @Test
    void theLastOfRepeatedHeadersCounts() {
        Headers h = new RecordHeaders();
        h.add("traceparent", "garbage".getBytes(StandardCharsets.UTF_8));
        h.add("traceparent", EXAMPLE.getBytes(StandardCharsets.UTF_8));

        assertThat(extracted(h).getSpanId()).isEqualTo(SPAN_ID);
    }
}
