package mmdigits.inference.messaging;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import mmdigits.common.proto.Sample;
import mmdigits.common.tracing.KafkaTracing;
import mmdigits.inference.jobs.ScoringJob;
import mmdigits.inference.model.ModelInfo;
import mmdigits.inference.model.ModelRegistry;
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
    private static final Scoring UNTRACED = new Scoring(null, null, null, null);

    private final KafkaTracing tracing;
    private final ModelRegistry registry;

    ScoringTraces(KafkaTracing tracing, ModelRegistry registry) {
        this.tracing = tracing;
        this.registry = registry;
    }

    /** Spans of samples streamed on their own, scored by the alias' model. */
    Scoring live() {
        if (!tracing.enabled()) {
            return UNTRACED;
        }
        ModelInfo served = registry.served();
        return served == null
                ? new Scoring(tracing, "stream", null, null)
                : new Scoring(tracing, "stream", served.name(), served.version());
    }

    /** Spans of a job's samples, scored by the job's version. */
    Scoring job(ScoringJob job) {
        return tracing.enabled()
                ? new Scoring(tracing, "job", job.name(), job.version())
                : UNTRACED;
    }

    /** The spans of one scoring call, by sample id. */
    static final class Scoring {
        private final KafkaTracing tracing;
        private final String work;
        private final String model;
        private final String version;
        private final Map<String, Span> spans = new HashMap<>();

        private Scoring(KafkaTracing tracing, String work, String model, String version) {
            this.tracing = tracing;
            this.work = work;
            this.model = model;
            this.version = version;
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
            if (version != null) {
                span.setAttribute(KafkaTracing.MODEL_NAME, model);
                span.setAttribute(KafkaTracing.MODEL_VERSION, version);
            }
            Span earlier = spans.put(sample.getId(), span);
            if (earlier != null) {
                earlier.end(); // the same sample twice in one poll: its outputs carry the later
            }
        }

        /**
         * Runs the scoring; its output records (keyed by sample id) carry their sample's span
         * context; the spans end.
         */
        List<ProducerRecord<String, byte[]>> score(
                Callable<List<ProducerRecord<String, byte[]>>> scoring) throws Exception {
            if (tracing == null) {
                return scoring.call();
            }
            try {
                List<ProducerRecord<String, byte[]>> out = scoring.call();
                for (ProducerRecord<String, byte[]> r : out) {
                    Span span = spans.get(r.key());
                    if (span != null) {
                        tracing.inject(span, r.headers());
                    }
                }
                return out;
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
