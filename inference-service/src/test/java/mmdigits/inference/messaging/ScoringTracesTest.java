package mmdigits.inference.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import mmdigits.common.Topics;
import mmdigits.common.proto.Sample;
import mmdigits.common.tracing.KafkaTracing;
import mmdigits.common.tracing.TraceHeaders;
import mmdigits.inference.KafkaFixtures;
import mmdigits.inference.scoring.StreamScores;
import mmdigits.localkafka.InMemoryTracing;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * A job's samples (a published split: all records carry the one {@code publish split} context): one
 * {@code score sample} span per sample, each a child of the split's span, and each sample's
 * prediction and embedding records carry its own span's context; a record without a context starts
 * a trace; a failed scoring marks the spans; disabled tracing adds no header.
 */
class ScoringTracesTest {
    final InMemoryTracing memory = new InMemoryTracing();
    final KafkaTracing tracing = KafkaTracing.of(memory.sdk(), true);

    static ConsumerRecord<String, byte[]> record(
            Sample s, long offset, Span parent, KafkaTracing t) {
        RecordHeaders headers = new RecordHeaders();
        if (parent != null) {
            t.inject(parent, headers);
        }
        return new ConsumerRecord<>(
                Topics.SAMPLES_TEST,
                2,
                offset,
                0L,
                TimestampType.CREATE_TIME,
                0,
                0,
                s.getId(),
                s.toByteArray(),
                headers,
                Optional.empty());
    }

    /**
     * What the scorer returns: a prediction and an embedding record per sample, by id, and the
     * version that scored them.
     */
    static StreamScores outputs(List<Sample> samples) {
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        for (Sample s : samples) {
            out.add(new ProducerRecord<>(Topics.PREDICTIONS, s.getId(), new byte[1]));
            out.add(new ProducerRecord<>(Topics.EMBEDDINGS, s.getId(), new byte[1]));
        }
        int[] rows = new int[samples.size()];
        Arrays.setAll(rows, i -> i);
        return StreamScores.of(new StreamScores.Scored("digits", "v2", out, rows, 0, 0));
    }

    static String traceparent(ProducerRecord<String, byte[]> r) {
        return r.headers().lastHeader("traceparent") == null
                ? null
                : new String(r.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8);
    }

    @Test
    void eachSampleOfAJobIsASpanUnderTheSplitsSpanAndItsOutputsCarryIt() throws Exception {
        Span split = tracing.tracer().spanBuilder(KafkaTracing.PUBLISH_SPLIT).startSpan();
        split.end();
        List<Sample> samples = new ArrayList<>();
        ScoringTraces.Scoring scoring = new ScoringTraces(tracing).job();
        for (int i = 0; i < 3; i++) {
            Sample s = KafkaFixtures.sample("split", i, true);
            samples.add(s);
            scoring.add(record(s, 10 + i, split, tracing), s);
        }

        List<ProducerRecord<String, byte[]>> out = scoring.score(() -> outputs(samples)).records();

        List<SpanData> spans = memory.spans(KafkaTracing.SCORE_SAMPLE);
        assertThat(spans).hasSize(3);
        for (SpanData span : spans) {
            assertThat(span.getTraceId()).isEqualTo(split.getSpanContext().getTraceId());
            assertThat(span.getParentSpanId()).isEqualTo(split.getSpanContext().getSpanId());
            assertThat(span.getAttributes().get(KafkaTracing.WORK)).isEqualTo("job");
            assertThat(span.getAttributes().get(KafkaTracing.MODEL_VERSION)).isEqualTo("v2");
            String id = span.getAttributes().get(KafkaTracing.SAMPLE_ID);
            String expected = "00-" + span.getTraceId() + "-" + span.getSpanId() + "-01";
            assertThat(out.stream().filter(r -> r.key().equals(id)))
                    .hasSize(2)
                    .allSatisfy(r -> assertThat(traceparent(r)).isEqualTo(expected));
        }
        assertThat(spans)
                .extracting(s -> s.getAttributes().get(KafkaTracing.OFFSET))
                .containsExactlyInAnyOrder(10L, 11L, 12L);
    }

    @Test
    void aRecordWithoutContextStartsATrace() throws Exception {
        Sample s = KafkaFixtures.sample("kcat", 0, false);
        ScoringTraces.Scoring scoring = new ScoringTraces(tracing).job();
        scoring.add(record(s, 0, null, tracing), s);

        List<ProducerRecord<String, byte[]>> out =
                scoring.score(() -> outputs(List.of(s))).records();

        SpanData span = memory.spans(KafkaTracing.SCORE_SAMPLE).get(0);
        assertThat(span.getParentSpanContext().isValid()).isFalse();
        assertThat(traceparent(out.get(0))).contains(span.getTraceId());
    }

    @Test
    void aFailedScoringEndsItsSpansAsErrors() {
        Sample s = KafkaFixtures.sample("failing", 0, false);
        ScoringTraces.Scoring scoring = new ScoringTraces(tracing).job();
        scoring.add(record(s, 0, null, tracing), s);

        assertThatThrownBy(
                        () ->
                                scoring.score(
                                        () -> {
                                            throw new IllegalStateException("model gone");
                                        }))
                .hasMessage("model gone");
        SpanData span = memory.spans(KafkaTracing.SCORE_SAMPLE).get(0);
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(span.getEvents()).extracting(e -> e.getName()).contains("exception");
    }

    @Test
    void disabledTracingPassesTheOutputsThroughUntouched() throws Exception {
        KafkaTracing off = KafkaTracing.of(memory.sdk(), false);
        Span parent = tracing.tracer().spanBuilder("upstream").startSpan();
        Sample s = KafkaFixtures.sample("off", 0, false);
        ScoringTraces.Scoring scoring = new ScoringTraces(off).job();
        scoring.add(record(s, 0, parent, tracing), s);

        List<ProducerRecord<String, byte[]>> out =
                scoring.score(() -> outputs(List.of(s))).records();

        assertThat(out).allSatisfy(r -> assertThat(r.headers().toArray()).isEmpty());
        assertThat(memory.spans(KafkaTracing.SCORE_SAMPLE)).isEmpty();
        assertThat(TraceHeaders.GETTER.get(out.get(0).headers(), "traceparent")).isNull();
    }
}
