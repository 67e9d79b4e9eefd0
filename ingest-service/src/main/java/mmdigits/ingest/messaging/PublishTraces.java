package mmdigits.ingest.messaging;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.util.ArrayList;
import java.util.List;
import mmdigits.common.Topics;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import mmdigits.common.sample.SampleIds;
import mmdigits.common.tracing.KafkaTracing;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The spans of one publish transaction, whose context the sample records carry to the scorer: a
 * span per streamed sample ({@value KafkaTracing#PUBLISH_SAMPLE}, a child of the request's span),
 * or one span for a whole published split ({@value KafkaTracing#PUBLISH_SPLIT}: ten thousand traces
 * of one click would bury it). They end when the transaction does, since that is when the records
 * become visible. Nothing at all happens when tracing is off.
 */
final class PublishTraces {
    private final KafkaTracing tracing;
    private final Span split;
    private final List<Span> samples = new ArrayList<>();

    private PublishTraces(KafkaTracing tracing, Span split) {
        this.tracing = tracing;
        this.split = split;
    }

    /** For a split ({@code event} given) its span starts now; streamed samples get theirs later. */
    static PublishTraces start(
            KafkaTracing tracing, DatasetPublished.Builder event, String publication) {
        if (!tracing.enabled() || event == null) {
            return new PublishTraces(tracing, null);
        }
        String topic = event.getSplit() == Split.TRAIN ? Topics.SAMPLES_TRAIN : Topics.SAMPLES_TEST;
        Span span = tracing.startSend(KafkaTracing.PUBLISH_SPLIT, topic, Context.current());
        span.setAttribute(KafkaTracing.DATASET, event.getDataset());
        span.setAttribute(KafkaTracing.SPLIT, SampleIds.splitName(event.getSplit()));
        span.setAttribute(KafkaTracing.PUBLICATION, publication);
        return new PublishTraces(tracing, span);
    }

    /** Writes the trace context into a sample's record (a new span for a streamed sample). */
    void traced(ProducerRecord<String, byte[]> record, Sample sample) {
        if (!tracing.enabled()) {
            return;
        }
        Span span = split;
        if (span == null) {
            span =
                    tracing.startSend(
                            KafkaTracing.PUBLISH_SAMPLE, record.topic(), Context.current());
            span.setAttribute(KafkaTracing.SAMPLE_ID, sample.getId());
            span.setAttribute(KafkaTracing.DATASET, sample.getDataset());
            samples.add(span);
        }
        tracing.inject(span, record.headers());
    }

    /** The transaction committed {@code count} samples. */
    void committed(long count) {
        if (split != null) {
            split.setAttribute(KafkaTracing.SAMPLES, count);
        }
        end(null);
    }

    /** The transaction failed: nothing of it is visible. */
    void failed(Throwable failure) {
        end(failure);
    }

    private void end(Throwable failure) {
        List<Span> all = new ArrayList<>(samples);
        if (split != null) {
            all.add(split);
        }
        for (Span s : all) {
            if (failure != null) {
                s.recordException(failure);
                s.setStatus(StatusCode.ERROR, "the transaction was aborted");
            }
            s.end();
        }
        samples.clear();
    }
}
