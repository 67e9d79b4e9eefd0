package mmdigits.viz.messaging;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Map;
import mmdigits.common.Topics;
import mmdigits.common.events.Logs;
import mmdigits.common.events.Promotions;
import mmdigits.common.kafka.DeadLetterCount;
import mmdigits.common.kafka.DeadLetters;
import mmdigits.common.kafka.KafkaClients;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelPromoted;
import mmdigits.common.security.ReleaseKeys;
import mmdigits.viz.Aggregates;
import mmdigits.viz.console.PipelineBoard;
import mmdigits.viz.drift.DriftMonitor;
import mmdigits.viz.tracing.ReportTraces;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Follows {@code digits.events} (datasets, training results and curves), {@code digits.promotions}
 * (the alias' target; only the trainer's signed promotions) and {@code digits.embeddings} from
 * their beginning into the {@link Aggregates} and the console's {@link PipelineBoard}; the report
 * index on disk says which pairs are done, so a restart rebuilds nothing. After each embedding the
 * report service checks whether its pair is complete (the {@link CompletionListener}). Undecodable
 * embeddings go to the dead-letter topic. Each embedding read continues its sample's trace ({@link
 * ReportTraces}).
 */
@ApplicationScoped
public class VizLogs {
    private final TopicLog<Event> events;
    private final TopicLog<Embedding> embeddings;
    private final TopicLog<ModelPromoted> promotionLog;
    private final Promotions promotions = new Promotions();
    private final KafkaProducer<String, byte[]> deadLetters;
    private final DeadLetterCount deadLettered;
    private final CompletionListener reports;

    public VizLogs(
            KafkaClients kafka,
            Aggregates aggregates,
            CompletionListener reports,
            PipelineBoard board,
            ReleaseKeys keys,
            MeterRegistry meters,
            ReportTraces traces,
            DriftMonitor drift) {
        this.deadLetters = kafka.producer("mmdigits-viz-dlq", Map.of());
        this.deadLettered = new DeadLetterCount(meters, "viz-service", Topics.EMBEDDINGS);
        this.events =
                Logs.events(kafka.config(), "mmdigits-viz-events")
                        .handler(aggregates.catalog())
                        .handler(aggregates::onEvent)
                        .handler(board::onEvent)
                        .handler(e -> reports.checkComplete());
        this.promotionLog =
                Logs.promotions(kafka.config(), "mmdigits-viz-promotions", keys.verifyKey())
                        .handler(promotions)
                        .handler(board::onPromotion);
        this.embeddings =
                new TopicLog<>(
                                kafka.config(),
                                Topics.EMBEDDINGS,
                                "mmdigits-viz-embeddings",
                                VizLogs::decode,
                                Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000))
                        .onUndecodable(this::deadLetter)
                        .handler(traces::aggregated)
                        .handler(e -> drift.onEmbedding(e.value()))
                        .handler(
                                e -> {
                                    if (e.value() != null) {
                                        aggregates.add(e.value());
                                        board.onEmbedding(e.value());
                                        reports.checkComplete(
                                                new Aggregates.Pair(
                                                        e.value().getDataset(),
                                                        e.value().getModelVersion()));
                                    }
                                });
        this.reports = reports;
    }

    void onStart(@Observes StartupEvent ignored) {
        events.startThread();
        promotionLog.startThread();
        embeddings.startThread();
        Thread t = new Thread(this::startReportsOnceCaughtUp, "viz-caught-up");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Reports start by themselves only once both topics were read to their ends (no decision on
     * half a history).
     */
    private void startReportsOnceCaughtUp() {
        try {
            while (!awaitCaughtUp(Duration.ofSeconds(10))) {
                Log.info("reading digits.events and digits.embeddings to their ends");
            }
            Log.info("read digits.events and digits.embeddings to their ends");
            reports.caughtUp();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Embedding decode(byte[] bytes) throws Exception {
        Embedding e = Embedding.parseFrom(bytes);
        if (e.getSampleId().isEmpty() || e.getModelVersion().isEmpty() || e.getVectorCount() == 0) {
            throw new IllegalArgumentException(
                    "embedding without sample_id, model_version or vector");
        }
        return e;
    }

    private void deadLetter(ConsumerRecord<String, byte[]> r, Exception failure) {
        Log.warnf(
                "dead-lettered %s partition %d offset %d: %s",
                r.topic(), r.partition(), r.offset(), failure.getMessage());
        deadLetters.send(DeadLetters.of(r, failure));
        deadLettered.increment(r.topic());
    }

    /** True once both topics were read to the ends they had at start. */
    public boolean caughtUp() {
        return events.caughtUp() && embeddings.caughtUp();
    }

    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        return events.awaitCaughtUp(timeout)
                && embeddings.awaitCaughtUp(
                        Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    public Promotions promotions() {
        return promotions;
    }

    @PreDestroy
    void stop() {
        events.stop();
        promotionLog.stop();
        embeddings.stop();
        deadLetters.close();
    }
}
