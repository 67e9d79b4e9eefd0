package mmdigits.viz.messaging;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import mmdigits.common.Topics;
import mmdigits.common.events.Logs;
import mmdigits.common.kafka.KafkaClients;
import mmdigits.common.kafka.SampleDeserializer;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.security.ReleaseKeys;
import mmdigits.viz.drift.DriftMonitor;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Feeds the {@link DriftMonitor} what {@link VizLogs} does not read: the releases on {@code
 * digits.models} (only signed ones, in sequence; of each only its drift reference is kept, the ONNX
 * bytes are dropped) and the live test stream on {@code digits.samples.test} (binary or JSON
 * samples; an undecodable one is the scorer's to dead-letter and is skipped here).
 */
@ApplicationScoped
public class DriftLogs {
    private final TopicLog<ModelRelease> models;
    private final TopicLog<byte[]> samples;

    public DriftLogs(KafkaClients kafka, ReleaseKeys keys, DriftMonitor monitor) {
        this.models =
                Logs.models(kafka.config(), "mmdigits-viz-models", keys.verifyKey())
                        .handler(e -> monitor.onRelease(e.key(), e.value()));
        SampleDeserializer decoder = new SampleDeserializer();
        this.samples =
                new TopicLog<byte[]>(
                                kafka.config(),
                                Topics.SAMPLES_TEST,
                                "mmdigits-viz-drift-samples",
                                bytes -> bytes,
                                Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000))
                        .handler(e -> onSample(e, decoder, monitor));
    }

    private static void onSample(
            TopicLog.Entry<byte[]> e, SampleDeserializer decoder, DriftMonitor monitor) {
        if (e.value() == null) {
            return;
        }
        try {
            monitor.onSample(decoder.deserialize(Topics.SAMPLES_TEST, e.headers(), e.value()));
        } catch (RuntimeException ex) {
            Log.debugf("drift: skipped an undecodable test sample: %s", ex.getMessage());
        }
    }

    void onStart(@Observes StartupEvent ignored) {
        models.startThread();
        samples.startThread();
    }

    @PreDestroy
    void stop() {
        models.stop();
        samples.stop();
    }
}
