package mmdigits.ingest.messaging;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import mmdigits.common.Topics;
import mmdigits.common.kafka.ContentTypes;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import mmdigits.ingest.config.IngestConfig;

/**
 * Publishes samples in Kafka transactions (idempotent, transactional producer): a batch or a whole
 * split becomes visible to {@code read_committed} consumers at once, or not at all. One transaction at
 * a time per process.
 */
@ApplicationScoped
public class SamplePublisher {
    private static final byte[] PROTOBUF = ContentTypes.PROTOBUF.getBytes(java.nio.charset.StandardCharsets.UTF_8);

    /** Supplies the samples of one transaction, in order. */
    @FunctionalInterface
    public interface SampleSource {
        /** Calls {@code sink} for every sample; any exception aborts the transaction. */
        void forEach(SampleSink sink) throws Exception;
    }

    @FunctionalInterface
    public interface SampleSink {
        void send(Sample sample);
    }

    private final String bootstrapServers;
    private final IngestConfig config;
    private final MeterRegistry registry;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicReference<KafkaProducer<String, byte[]>> producer = new AtomicReference<>();
    private volatile boolean topicsReady;

    public SamplePublisher(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers, IngestConfig config,
            MeterRegistry registry) {
        this.bootstrapServers = bootstrapServers;
        this.config = config;
        this.registry = registry;
    }

    /**
     * Sends every sample of {@code source} to the topic of its split and, when {@code event} is
     * given, that event to {@code digits.events}, in one transaction.
     *
     * @return the number of samples sent
     * @throws Exception whatever the source threw, or the Kafka failure; the transaction is aborted
     */
    public long publish(SampleSource source, DatasetPublished.Builder event, ProgressLog progress)
            throws Exception {
        lock.lock();
        try {
            ensureTopics();
            KafkaProducer<String, byte[]> p = producer();
            long[] count = {0};
            p.beginTransaction();
            try {
                AtomicReference<Exception> sendError = new AtomicReference<>();
                source.forEach(sample -> {
                    String topic = sample.getSplit() == Split.TRAIN ? Topics.SAMPLES_TRAIN : Topics.SAMPLES_TEST;
                    ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, sample.getId(), sample.toByteArray());
                    record.headers().add(ContentTypes.HEADER, PROTOBUF);
                    p.send(record, (meta, e) -> {
                        if (e != null) {
                            sendError.compareAndSet(null, e);
                        }
                    });
                    count[0]++;
                    if (progress != null) {
                        progress.update(count[0], sample.getSerializedSize());
                    }
                });
                p.flush();
                if (sendError.get() != null) {
                    throw sendError.get();
                }
                if (event != null) {
                    Event e = Event.newBuilder().setTimestampMs(System.currentTimeMillis())
                            .setDatasetPublished(event.setCount(count[0]).setPublishedAtMs(System.currentTimeMillis()))
                            .build();
                    p.send(new ProducerRecord<>(Topics.EVENTS, event.getDataset(), e.toByteArray()));
                }
                p.commitTransaction();
            } catch (Exception | Error e) {
                abort(p, e);
                throw e;
            }
            registry.counter("mmdigits.ingest.records.published").increment(count[0]);
            return count[0];
        } finally {
            lock.unlock();
        }
    }

    /** Sends a batch of already validated samples in one transaction. */
    public long publish(List<Sample> samples) throws Exception {
        return publish(sink -> samples.forEach(sink::send), null, null);
    }

    private void abort(KafkaProducer<String, byte[]> p, Throwable cause) {
        try {
            p.abortTransaction();
            Log.warnf("transaction aborted, nothing of it is visible: %s", cause.getMessage());
        } catch (KafkaException e) {
            // a producer that cannot abort is unusable: drop it, the broker aborts on timeout or fencing
            Log.warnf("abort failed (%s); closing the producer", e.getMessage());
            KafkaProducer<String, byte[]> old = producer.getAndSet(null);
            if (old != null) {
                old.close(Duration.ofSeconds(5));
            }
        }
    }

    private void ensureTopics() throws InterruptedException, ExecutionException, TimeoutException {
        if (!topicsReady) {
            List<String> created = TopicAdmin.ensureTopics(bootstrapServers, Duration.ofSeconds(30));
            if (!created.isEmpty()) {
                Log.infof("created topics %s", created);
            }
            topicsReady = true;
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        KafkaProducer<String, byte[]> p = producer.get();
        if (p == null) {
            IngestConfig.Producer c = config.producer();
            p = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ProducerConfig.CLIENT_ID_CONFIG, "mmdigits-ingest",
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, c.transactionalIdPrefix() + "-" + UUID.randomUUID(),
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.COMPRESSION_TYPE_CONFIG, c.compression(),
                    ProducerConfig.LINGER_MS_CONFIG, 10,
                    ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000,
                    ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) c.transactionTimeout().toMillis()),
                    new StringSerializer(), new ByteArraySerializer());
            try {
                p.initTransactions();
            } catch (RuntimeException e) {
                p.close(Duration.ZERO);
                throw e;
            }
            producer.set(p);
        }
        return p;
    }

    @PreDestroy
    void close() {
        KafkaProducer<String, byte[]> p = producer.getAndSet(null);
        if (p != null) {
            p.close(Duration.ofSeconds(10));
        }
    }
}
