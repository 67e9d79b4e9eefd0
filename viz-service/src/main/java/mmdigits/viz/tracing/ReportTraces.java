package mmdigits.viz.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import mmdigits.common.Topics;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.Embedding;
import mmdigits.common.tracing.KafkaTracing;
import mmdigits.viz.Aggregates;

/**
 * Viz's part of a sample's trace: each embedding that arrives is a short span ({@value
 * KafkaTracing#AGGREGATE_EMBEDDING}) continuing the trace its record carries (the inference span
 * that scored the sample), and a report's build is a span ({@value KafkaTracing#BUILD_REPORT}) of
 * its own trace, linked to the traces of the first {@value #LINKS} samples of its pair — a report
 * belongs to thousands of samples, a span to one parent. Embeddings read again at start
 * (historical) make no spans. Nothing happens when tracing is off.
 */
@ApplicationScoped
public class ReportTraces {
    static final int LINKS = 32;
    private static final int PAIRS_KEPT = 1000;

    private final KafkaTracing tracing;
    private final Map<Aggregates.Pair, List<SpanContext>> links =
            new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(
                        Map.Entry<Aggregates.Pair, List<SpanContext>> eldest) {
                    return size() > PAIRS_KEPT;
                }
            };

    public ReportTraces(KafkaTracing tracing) {
        this.tracing = tracing;
    }

    /** An embedding was read from its topic (on the log's thread). */
    public void aggregated(TopicLog.Entry<Embedding> entry) {
        if (!tracing.enabled() || entry.historical() || entry.value() == null) {
            return;
        }
        Embedding e = entry.value();
        Span span =
                tracing.startProcess(
                        KafkaTracing.AGGREGATE_EMBEDDING,
                        Topics.EMBEDDINGS,
                        entry.partition(),
                        entry.offset(),
                        entry.headers());
        span.setAttribute(KafkaTracing.SAMPLE_ID, e.getSampleId());
        span.setAttribute(KafkaTracing.DATASET, e.getDataset());
        span.setAttribute(KafkaTracing.MODEL_VERSION, e.getModelVersion());
        span.end();
        keepLink(new Aggregates.Pair(e.getDataset(), e.getModelVersion()), span.getSpanContext());
    }

    private synchronized void keepLink(Aggregates.Pair pair, SpanContext context) {
        List<SpanContext> kept = links.computeIfAbsent(pair, p -> new ArrayList<>());
        if (kept.size() < LINKS) {
            kept.add(context);
        }
    }

    private synchronized List<SpanContext> takeLinks(Aggregates.Pair pair) {
        List<SpanContext> kept = links.remove(pair);
        return kept == null ? List.of() : kept;
    }

    /** Runs a report's build inside its span. */
    public <T> T build(Aggregates.Pair pair, int samples, Callable<T> build) throws Exception {
        if (!tracing.enabled()) {
            return build.call();
        }
        SpanBuilder b =
                tracing.tracer()
                        .spanBuilder(KafkaTracing.BUILD_REPORT)
                        .setNoParent()
                        .setAttribute(KafkaTracing.DATASET, pair.dataset())
                        .setAttribute(KafkaTracing.MODEL_VERSION, pair.version())
                        .setAttribute(KafkaTracing.SAMPLES, (long) samples);
        takeLinks(pair).forEach(b::addLink);
        Span span = b.startSpan();
        try (Scope ignored = Context.root().with(span).makeCurrent()) {
            return build.call();
        } catch (Exception | Error e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, "the report failed");
            throw e;
        } finally {
            span.end();
        }
    }
}
