package mmdigits.localkafka;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;

/**
 * For unit tests of the services' tracing code: an OpenTelemetry SDK with the W3C propagator (as
 * the services run it) whose ended spans are kept in memory, in the order they ended — what an OTLP
 * endpoint would have received, without a process or a port.
 */
public final class InMemoryTracing {
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk =
            OpenTelemetrySdk.builder()
                    .setTracerProvider(
                            SdkTracerProvider.builder()
                                    .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                                    .build())
                    .setPropagators(
                            ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                    .build();

    public OpenTelemetrySdk sdk() {
        return sdk;
    }

    /** The spans ended so far. */
    public List<SpanData> spans() {
        return exporter.getFinishedSpanItems();
    }

    /** The ended spans of this name. */
    public List<SpanData> spans(String name) {
        return spans().stream().filter(s -> s.getName().equals(name)).toList();
    }
}
