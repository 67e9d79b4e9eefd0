package mmdigits.common.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The services' spans around Kafka records, and the trace context those records carry in their
 * headers ({@link TraceHeaders}): ingest starts a trace per streamed sample (or per published
 * split), inference continues it per scored sample and passes it on in the prediction and embedding
 * records, viz continues it when it aggregates and reports. Off unless an OTLP endpoint is
 * configured ({@link TracingDefaults}): then the tracer and the propagator are OpenTelemetry's
 * no-ops — not the disabled SDK's tracer, which would still make (and drop) a real span per call —
 * and {@link #enabled()} lets a hot loop skip even those calls. The span and attribute names are
 * kept here, once, so that a trace reads the same whichever service wrote a span.
 */
@ApplicationScoped
public class KafkaTracing {
    /** The instrumentation scope of every span of ours. */
    public static final String SCOPE = "mmdigits";

    /** Ingest: a sample streamed on its own ({@code POST /samples}) sent to its topic. */
    public static final String PUBLISH_SAMPLE = "publish sample";

    /** Ingest: a whole split published in one transaction (its records share this span). */
    public static final String PUBLISH_SPLIT = "publish split";

    /** Inference: one test sample scored, its prediction and embedding written. */
    public static final String SCORE_SAMPLE = "score sample";

    /** Viz: one embedding read into the report's aggregates. */
    public static final String AGGREGATE_EMBEDDING = "aggregate embedding";

    /** Viz: one report built (linked to the traces of some of its samples). */
    public static final String BUILD_REPORT = "build report";

    public static final AttributeKey<String> SAMPLE_ID =
            AttributeKey.stringKey("mmdigits.sample.id");
    public static final AttributeKey<String> DATASET = AttributeKey.stringKey("mmdigits.dataset");
    public static final AttributeKey<String> SPLIT = AttributeKey.stringKey("mmdigits.split");
    public static final AttributeKey<String> PUBLICATION =
            AttributeKey.stringKey("mmdigits.publication");
    public static final AttributeKey<Long> SAMPLES = AttributeKey.longKey("mmdigits.samples");
    public static final AttributeKey<String> MODEL_NAME = AttributeKey.stringKey("mmdigits.model");
    public static final AttributeKey<String> MODEL_VERSION =
            AttributeKey.stringKey("mmdigits.model.version");

    /** {@code stream} (a sample streamed on its own) or {@code job} (a published test split). */
    public static final AttributeKey<String> WORK = AttributeKey.stringKey("mmdigits.work");

    public static final AttributeKey<String> MESSAGING_SYSTEM =
            AttributeKey.stringKey("messaging.system");
    public static final AttributeKey<String> DESTINATION =
            AttributeKey.stringKey("messaging.destination.name");
    public static final AttributeKey<String> OPERATION =
            AttributeKey.stringKey("messaging.operation.type");
    public static final AttributeKey<String> PARTITION =
            AttributeKey.stringKey("messaging.destination.partition.id");
    public static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");

    private final boolean enabled;
    private final Tracer tracer;
    private final TraceHeaders headers;

    @Inject
    public KafkaTracing(
            OpenTelemetry openTelemetry,
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "true")
                    boolean disabled) {
        OpenTelemetry used = disabled ? OpenTelemetry.noop() : openTelemetry;
        this.enabled = !disabled;
        this.tracer = used.getTracer(SCOPE);
        this.headers = new TraceHeaders(used.getPropagators().getTextMapPropagator());
    }

    /** Tracing with the given OpenTelemetry (tests, tools); {@code enabled} false: the no-ops. */
    public static KafkaTracing of(OpenTelemetry openTelemetry, boolean enabled) {
        return new KafkaTracing(openTelemetry, !enabled);
    }

    /** False when no OTLP endpoint is configured: every span is a no-op, nothing is exported. */
    public boolean enabled() {
        return enabled;
    }

    public Tracer tracer() {
        return tracer;
    }

    /** The trace context a record carries (the root context when none). */
    public Context extract(Headers recordHeaders) {
        return headers.extract(recordHeaders);
    }

    /** Writes the span's context into a record's headers. */
    public void inject(Span span, Headers recordHeaders) {
        headers.inject(Context.root().with(span), recordHeaders);
    }

    /**
     * A span sending records to {@code topic}, a child of {@code parent}; started, to be ended by
     * the caller.
     */
    public Span startSend(String name, String topic, Context parent) {
        return tracer.spanBuilder(name)
                .setParent(parent)
                .setSpanKind(SpanKind.PRODUCER)
                .setAttribute(MESSAGING_SYSTEM, "kafka")
                .setAttribute(DESTINATION, topic)
                .setAttribute(OPERATION, "send")
                .startSpan();
    }

    /**
     * A span processing one record, a child of the context the record carries (a new trace when it
     * carries none); started, to be ended by the caller.
     */
    public Span startProcess(String name, ConsumerRecord<String, byte[]> record) {
        return startProcess(
                name, record.topic(), record.partition(), record.offset(), record.headers());
    }

    /** {@link #startProcess(String, ConsumerRecord)} from a record's coordinates and headers. */
    public Span startProcess(
            String name, String topic, int partition, long offset, Headers recordHeaders) {
        return tracer.spanBuilder(name)
                .setParent(extract(recordHeaders))
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute(MESSAGING_SYSTEM, "kafka")
                .setAttribute(DESTINATION, topic)
                .setAttribute(OPERATION, "process")
                .setAttribute(PARTITION, Integer.toString(partition))
                .setAttribute(OFFSET, offset)
                .startSpan();
    }
}
