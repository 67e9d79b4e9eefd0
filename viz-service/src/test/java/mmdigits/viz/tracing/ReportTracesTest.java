package mmdigits.viz.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.List;
import mmdigits.common.Topics;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.Embedding;
import mmdigits.common.tracing.KafkaTracing;
import mmdigits.localkafka.InMemoryTracing;
import mmdigits.viz.Aggregates;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * Viz continues a sample's trace: an embedding record's context (the inference span that scored the
 * sample) becomes the parent of its {@code aggregate embedding} span, and the report's {@code build
 * report} span links to (a bounded number of) those traces; historical records and disabled tracing
 * make no spans.
 */
class ReportTracesTest {
    static final Aggregates.Pair PAIR = new Aggregates.Pair("traced", "v1");

    final InMemoryTracing memory = new InMemoryTracing();
    final KafkaTracing tracing = KafkaTracing.of(memory.sdk(), true);

    /** An embedding record written inside a (finished) scoring span of its own trace. */
    TopicLog.Entry<Embedding> embedding(int row, boolean historical, Span[] scoring) {
        Span score = tracing.tracer().spanBuilder(KafkaTracing.SCORE_SAMPLE).startSpan();
        score.end();
        scoring[0] = score;
        Headers headers = new RecordHeaders();
        tracing.inject(score, headers);
        Embedding e =
                Embedding.newBuilder()
                        .setSampleId("traced/test/" + row)
                        .setDataset(PAIR.dataset())
                        .setModelVersion(PAIR.version())
                        .addVector(1f)
                        .build();
        return new TopicLog.Entry<>(0, row, e.getSampleId(), e, historical, headers);
    }

    @Test
    void anEmbeddingsSpanIsAChildOfTheScoringSpanItsRecordCarries() {
        ReportTraces traces = new ReportTraces(tracing);
        Span[] scoring = new Span[1];
        traces.aggregated(embedding(3, false, scoring));

        SpanData aggregate = memory.spans(KafkaTracing.AGGREGATE_EMBEDDING).get(0);
        assertThat(aggregate.getTraceId()).isEqualTo(scoring[0].getSpanContext().getTraceId());
        assertThat(aggregate.getParentSpanId()).isEqualTo(scoring[0].getSpanContext().getSpanId());
        assertThat(aggregate.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(aggregate.getAttributes().get(KafkaTracing.SAMPLE_ID))
                .isEqualTo("traced/test/3");
        assertThat(aggregate.getAttributes().get(KafkaTracing.DESTINATION))
                .isEqualTo(Topics.EMBEDDINGS);
        assertThat(aggregate.getAttributes().get(KafkaTracing.OFFSET)).isEqualTo(3L);
    }

    @Test
    void theReportsBuildLinksToTheTracesOfItsFirstSamples() throws Exception {
        ReportTraces traces = new ReportTraces(tracing);
        Span[] scoring = new Span[1];
        String firstTrace = null;
        for (int row = 0; row < ReportTraces.LINKS + 5; row++) {
            traces.aggregated(embedding(row, false, scoring));
            if (row == 0) {
                firstTrace = scoring[0].getSpanContext().getTraceId();
            }
        }

        String built = traces.build(PAIR, ReportTraces.LINKS + 5, () -> "report");

        assertThat(built).isEqualTo("report");
        SpanData build = memory.spans(KafkaTracing.BUILD_REPORT).get(0);
        List<LinkData> links = build.getLinks();
        assertThat(links).hasSize(ReportTraces.LINKS);
        assertThat(links.get(0).getSpanContext().getTraceId()).isEqualTo(firstTrace);
        assertThat(build.getParentSpanContext().isValid()).isFalse();
        assertThat(build.getAttributes().get(KafkaTracing.SAMPLES))
                .isEqualTo(ReportTraces.LINKS + 5L);
        assertThat(build.getAttributes().get(KafkaTracing.MODEL_VERSION)).isEqualTo("v1");
        // the pair's links were taken: a second build has none
        traces.build(PAIR, 0, () -> "again");
        assertThat(memory.spans(KafkaTracing.BUILD_REPORT).get(1).getLinks()).isEmpty();
    }

    @Test
    void historicalRecordsAndDisabledTracingMakeNoSpans() throws Exception {
        Span[] scoring = new Span[1];
        new ReportTraces(tracing).aggregated(embedding(1, true, scoring));
        ReportTraces off = new ReportTraces(KafkaTracing.of(memory.sdk(), false));
        off.aggregated(embedding(2, false, scoring));
        off.build(PAIR, 1, () -> "report");

        assertThat(memory.spans(KafkaTracing.AGGREGATE_EMBEDDING)).isEmpty();
        assertThat(memory.spans(KafkaTracing.BUILD_REPORT)).isEmpty();
    }
}
