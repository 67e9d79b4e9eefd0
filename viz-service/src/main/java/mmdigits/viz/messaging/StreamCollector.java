package mmdigits.viz.messaging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import mmdigits.common.Topics;
import mmdigits.common.kafka.ConsumerLoop;
import mmdigits.common.kafka.Consumers;
import mmdigits.common.kafka.DeadLetters;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.Event;
import mmdigits.viz.Aggregates;
import mmdigits.viz.report.ReportService;

/**
 * Reads {@code digits.embeddings} and {@code digits.events} from their beginning (the service keeps
 * no state of its own: a restart rebuilds it) and keeps following them; undecodable records go to
 * the dead-letter topic. After each batch the report service checks which versions are complete.
 */
@Singleton // not proxied: the consumer loop is a base class without a no-args constructor
public class StreamCollector extends ConsumerLoop {
    private final String bootstrapServers;
    private final Aggregates aggregates;
    private final ReportService reports;
    private volatile boolean caughtUp;

    public StreamCollector(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers, Aggregates aggregates,
            ReportService reports) {
        super("stream-collector");
        this.bootstrapServers = bootstrapServers;
        this.aggregates = aggregates;
        this.reports = reports;
    }

    /** True once the topics were read up to their end at start. */
    public boolean caughtUp() {
        return caughtUp;
    }

    void onStart(@Observes StartupEvent ignored) {
        startThread();
    }

    void onShutdown(@Observes ShutdownEvent ignored) {
        stop();
    }

    @Override
    protected KafkaConsumer<String, byte[]> createConsumer() {
        return Consumers.readCommitted(bootstrapServers, "mmdigits-viz", Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000));
    }

    @Override
    protected void consume(KafkaConsumer<String, byte[]> c) throws Exception {
        try (KafkaProducer<String, byte[]> dlq = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, "mmdigits-viz-dlq"), new StringSerializer(), new ByteArraySerializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            while (running() && parts.isEmpty()) {
                for (String topic : List.of(Topics.EMBEDDINGS, Topics.EVENTS)) {
                    c.partitionsFor(topic, Duration.ofSeconds(10)).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
                }
                if (parts.size() < 2) {
                    parts.clear();
                    Log.infof("waiting for topics %s and %s", Topics.EMBEDDINGS, Topics.EVENTS);
                    Thread.sleep(1000);
                }
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (running()) {
                ConsumerRecords<String, byte[]> records = c.poll(Duration.ofMillis(500));
                for (ConsumerRecord<String, byte[]> r : records) {
                    handle(r, dlq);
                }
                if (!caughtUp && parts.stream().allMatch(p -> c.position(p) >= end.get(p))) {
                    caughtUp = true;
                    Log.infof("read %s and %s to their end: versions %s", Topics.EMBEDDINGS, Topics.EVENTS, aggregates.versions());
                }
                if (caughtUp) {
                    reports.checkComplete();
                }
            }
        }
    }

    private void handle(ConsumerRecord<String, byte[]> r, KafkaProducer<String, byte[]> dlq) {
        if (r.value() == null) {
            return;
        }
        try {
            if (r.topic().equals(Topics.EMBEDDINGS)) {
                Embedding e = Embedding.parseFrom(r.value());
                if (e.getSampleId().isEmpty() || e.getModelVersion().isEmpty() || e.getVectorCount() == 0) {
                    throw new IllegalArgumentException("embedding without sample_id, model_version or vector");
                }
                aggregates.add(e);
            } else {
                Event ev = Event.parseFrom(r.value());
                switch (ev.getPayloadCase()) {
                    case DATASET_PUBLISHED -> aggregates.add(ev.getDatasetPublished());
                    case TRAINING_PROGRESS -> aggregates.add(ev.getTrainingProgress());
                    case TRAINING_RESULT -> aggregates.add(ev.getTrainingResult());
                    default -> {
                    }
                }
            }
        } catch (Exception e) {
            String reason = "undecodable record on " + r.topic() + ": " + e.getMessage();
            Log.warnf("dead-lettered %s partition %d offset %d: %s", r.topic(), r.partition(), r.offset(), reason);
            dlq.send(DeadLetters.of(r, reason));
        }
    }
}
