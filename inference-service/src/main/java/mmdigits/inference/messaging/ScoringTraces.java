package mmdigits.inference.messaging;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import mmdigits.common.proto.Sample;
import mmdigits.common.tracing.KafkaTracing;
import mmdigits.inference.scoring.StreamScores;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The scoring of each test sample as a span ({@value KafkaTracing#SCORE_SAMPLE}), a child of the
 * trace context its record carries (ingest's publish span), and that span's context written into
 * the sample's prediction and embedding records, so that one trace follows a sample from ingest
 * through scoring to viz. A span runs from the record's decoding to its outputs; the batch's
 * transaction commits after. When tracing is off, nothing is extracted, started or injected.
 */
final class ScoringTraces {
    private static final Scoring UNTRACED = new Scoring(null, null);

    private final KafkaTracing tracing;

    ScoringTraces(KafkaTracing tracing) {
        this.tracing = tracing;
    }

    /** Spans of samples streamed on their own (scored by the alias' model). */
    Scoring live() {
        return tracing.enabled() ? new Scoring(tracing, "stream") : UNTRACED;
    }

    /** Spans of a job's samples. */
    Scoring job() {
        return tracing.enabled() ? new Scoring(tracing, "job") : UNTRACED;
    }

    /** The spans of one scoring call, by sample id. */
    static final class Scoring {
        private final KafkaTracing tracing;
        private final String work;
        private final Map<String, Span> spans = new HashMap<>();

        private Scoring(KafkaTracing tracing, String work) {
            this.tracing = tracing;
            this.work = work;
        }

        /** A sample decoded from its record: its span starts. */
        void add(ConsumerRecord<String, byte[]> record, Sample sample) {
            if (tracing == null) {
                return;
            }
            Span span = tracing.startProcess(KafkaTracing.SCORE_SAMPLE, record);
            span.setAttribute(KafkaTracing.SAMPLE_ID, sample.getId());
            span.setAttribute(KafkaTracing.DATASET, sample.getDataset());
            span.setAttribute(KafkaTracing.WORK, work);
            Span earlier = spans.put(sample.getId(), span);
            if (earlier != null) {
                earlier.end(); // the same sample twice in one poll: its outputs carry the later
            }
        }

        /** The spans of the samples a version served get its name and version. */
        private void tagServed(StreamScores.Scored served) {
            for (ProducerRecord<String, byte[]> r : served.records()) {
                Span span = spans.get(r.key());
                if (span != null) {
                    span.setAttribute(KafkaTracing.MODEL_NAME, served.name());
                    span.setAttribute(KafkaTracing.MODEL_VERSION, served.version());
                }
            }
        }

        /**
         * Runs the scoring; the spans get the model version that scored, its output records (keyed
         * by sample id) carry their sample's span context, and the spans end.
         */
        StreamScores score(Callable<StreamScores> scoring) throws Exception {
            if (tracing == null) {
                return scoring.call();
            }
            try {
                StreamScores scored = scoring.call();
                for (StreamScores.Scored served : scored.served()) {
                    tagServed(served);
                }
                for (ProducerRecord<String, byte[]> r : scored.records()) {
                    Span span = spans.get(r.key());
                    if (span != null) {
                        tracing.inject(span, r.headers());
                    }
                }
                return scored;
            } catch (Exception | Error e) {
                spans.values()
                        .forEach(
                                s ->
                                        s.recordException(e)
                                                .setStatus(StatusCode.ERROR, "not scored"));
                throw e;
            } finally {
                spans.values().forEach(Span::end);
                spans.clear();
            }
        }
    }
}
