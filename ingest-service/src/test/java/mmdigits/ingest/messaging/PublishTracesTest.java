package mmdigits.ingest.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import mmdigits.common.Topics;
import mmdigits.common.kafka.Splits;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import mmdigits.common.sample.SampleIds;
import mmdigits.common.tracing.KafkaTracing;
import mmdigits.localkafka.InMemoryTracing;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Ingest's spans: streamed samples get one {@code publish sample} span each, children of the
 * request's span, each record carrying its own; a published split is one {@code publish split} span
 * whose context every record carries; spans end with the transaction, failed ones as errors.
 */
class PublishTracesTest {
    final InMemoryTracing memory = new InMemoryTracing();
    final KafkaTracing tracing = KafkaTracing.of(memory.sdk(), true);

    static Sample sample(String dataset, int row) {
        return Sample.newBuilder()
                .setId(SampleIds.of(dataset, Split.TEST, row))
                .setDataset(dataset)
                .setSplit(Split.TEST)
                .setRowId(row)
                .build();
    }

    static String spanIdIn(ProducerRecord<String, byte[]> r) {
        return new String(r.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8)
                .split("-")[2];
    }

    List<ProducerRecord<String, byte[]>> publish(
            PublishTraces traces, String dataset, String publication, int n) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Sample s = sample(dataset, i);
            ProducerRecord<String, byte[]> r = Splits.record(s, publication);
            traces.traced(r, s);
            records.add(r);
        }
        return records;
    }

    @Test
    void streamedSamplesAreOneSpanEachUnderTheRequest() {
        Span request = tracing.tracer().spanBuilder("POST /samples").startSpan();
        List<ProducerRecord<String, byte[]>> records;
        try (Scope ignored = request.makeCurrent()) {
            PublishTraces traces = PublishTraces.start(tracing, null, null);
            records = publish(traces, "stream", null, 2);
            assertThat(memory.spans()).as("open until the commit").isEmpty();
            traces.committed(2);
        }

        List<SpanData> spans = memory.spans(KafkaTracing.PUBLISH_SAMPLE);
        assertThat(spans).hasSize(2);
        for (int i = 0; i < 2; i++) {
            SpanData s = spans.get(i);
            assertThat(s.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
            assertThat(s.getAttributes().get(KafkaTracing.SAMPLE_ID))
                    .isEqualTo(records.get(i).key());
            assertThat(s.getAttributes().get(KafkaTracing.DESTINATION))
                    .isEqualTo(Topics.SAMPLES_TEST);
            assertThat(spanIdIn(records.get(i))).isEqualTo(s.getSpanId());
        }
    }

    @Test
    void aPublishedSplitIsOneSpanEveryRecordCarries() {
        DatasetPublished.Builder event =
                DatasetPublished.newBuilder().setDataset("demo").setSplit(Split.TEST);
        PublishTraces traces = PublishTraces.start(tracing, event, "demo/test/x");
        List<ProducerRecord<String, byte[]>> records = publish(traces, "demo", "demo/test/x", 3);
        traces.committed(3);

        SpanData split = memory.spans(KafkaTracing.PUBLISH_SPLIT).get(0);
        assertThat(memory.spans()).hasSize(1);
        assertThat(records).allSatisfy(r -> assertThat(spanIdIn(r)).isEqualTo(split.getSpanId()));
        assertThat(split.getAttributes().get(KafkaTracing.SAMPLES)).isEqualTo(3L);
        assertThat(split.getAttributes().get(KafkaTracing.PUBLICATION)).isEqualTo("demo/test/x");
        assertThat(split.getAttributes().get(KafkaTracing.DATASET)).isEqualTo("demo");
    }

    @Test
    void anAbortedTransactionEndsItsSpansAsErrors() {
        PublishTraces traces = PublishTraces.start(tracing, null, null);
        publish(traces, "stream", null, 1);
        traces.failed(new IllegalStateException("broker gone"));

        SpanData s = memory.spans(KafkaTracing.PUBLISH_SAMPLE).get(0);
        assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    }

    @Test
    void disabledTracingWritesNoHeader() {
        KafkaTracing off = KafkaTracing.of(memory.sdk(), false);
        PublishTraces traces = PublishTraces.start(off, null, null);
        List<ProducerRecord<String, byte[]>> records = publish(traces, "stream", null, 1);
        traces.committed(1);

        assertThat(records.get(0).headers().lastHeader("traceparent")).isNull();
        assertThat(memory.spans()).isEmpty();
    }
}
