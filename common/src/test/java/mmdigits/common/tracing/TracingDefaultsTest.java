package mmdigits.common.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * Tracing is off unless an endpoint is configured, as the services' configuration resolves it (the
 * factory registered through the service loader, with application.properties' ordinal for what a
 * deployment sets); and off means OpenTelemetry's no-ops.
 */
class TracingDefaultsTest {
    /**
     * What the extension's defaults source holds in a service (its default endpoint), below
     * application.properties.
     */
    static final Map<String, String> EXTENSION_DEFAULTS =
            Map.of(
                    TracingDefaults.ENDPOINT,
                    "http://localhost:4317/",
                    TracingDefaults.TRACES_ENDPOINT,
                    "http://localhost:4317/",
                    TracingDefaults.SDK_DISABLED,
                    "false");

    static SmallRyeConfig config(Map<String, String> applicationProperties) {
        return new SmallRyeConfigBuilder()
                .addDiscoveredSources()
                .withSources(
                        new PropertiesConfigSource(
                                EXTENSION_DEFAULTS, "DefaultValuesConfigSource", Integer.MIN_VALUE),
                        new PropertiesConfigSource(
                                applicationProperties, "application.properties", 250))
                .build();
    }

    static boolean disabled(Map<String, String> settings) {
        return config(settings).getValue(TracingDefaults.SDK_DISABLED, Boolean.class);
    }

    @Test
    void withoutAnEndpointTheSdkIsDisabled() {
        // the extension's own default endpoint (localhost:4317) is nobody's configuration
        assertThat(disabled(Map.of())).isTrue();
        assertThat(disabled(Map.of(TracingDefaults.ENDPOINT, " "))).isTrue();
    }

    @Test
    void anEndpointTurnsItOn() {
        assertThat(disabled(Map.of(TracingDefaults.ENDPOINT, "http://127.0.0.1:4318"))).isFalse();
        assertThat(disabled(Map.of(TracingDefaults.TRACES_ENDPOINT, "http://collector:4317")))
                .isFalse();
    }

    @Test
    void anExplicitSettingWins() {
        Map<String, String> off = new HashMap<>();
        off.put(TracingDefaults.ENDPOINT, "http://127.0.0.1:4318");
        off.put(TracingDefaults.SDK_DISABLED, "true");
        assertThat(disabled(off)).isTrue();
    }

    @Test
    void theDefaultIsAmongThePropertyNames() {
        // Quarkus hands the SDK every quarkus.otel.* name it finds: the default must be one
        assertThat(config(Map.of()).getPropertyNames()).contains(TracingDefaults.SDK_DISABLED);
    }

    @Test
    void disabledTracingMakesNonRecordingSpansAndWritesNoHeaders() {
        // even with an OpenTelemetry that would propagate: disabled means the no-ops
        OpenTelemetry propagating =
                OpenTelemetry.propagating(
                        ContextPropagators.create(W3CTraceContextPropagator.getInstance()));
        KafkaTracing off = KafkaTracing.of(propagating, false);
        Span span = off.startSend("publish", "digits.samples.test", Context.root());
        RecordHeaders headers = new RecordHeaders();
        off.inject(
                Span.wrap(
                        SpanContext.create(
                                TraceHeadersTest.TRACE_ID,
                                TraceHeadersTest.SPAN_ID,
                                TraceFlags.getSampled(),
                                TraceState.getDefault())),
                headers);

        assertThat(off.enabled()).isFalse();
        assertThat(span.isRecording()).isFalse();
        assertThat(span.getSpanContext().isValid()).isFalse();
        assertThat(headers.toArray()).isEmpty();
    }
}
