package mmdigits.ingest.messaging;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import mmdigits.common.health.BrokerReadiness;
import mmdigits.common.kafka.InstanceId;
import mmdigits.common.kafka.KafkaClients;
import mmdigits.common.kafka.PublicationRanges;
import mmdigits.common.kafka.Publications;
import mmdigits.common.kafka.Splits;
import mmdigits.common.kafka.TopicBootstrap;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Sample;
import mmdigits.common.sample.SampleIds;
import mmdigits.common.tracing.KafkaTracing;
import mmdigits.ingest.config.IngestConfig;
import mmdigits.ingest.metrics.IngestMetrics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.Readiness;

/**
 * Publishes samples in Kafka transactions (idempotent, transactional producer): a batch or a whole
 * split becomes visible to {@code read_committed} consumers at once, or not at all. One transaction
 * at a time per process. A plain producer (from {@link KafkaClients}), not a channel: the split's
 * {@code DatasetPublished} event carries the offsets of the records just sent, inside the same
 * transaction, and an emitter's send in a transaction gives no offsets. Each record carries the
 * trace context of its publish in its headers ({@link PublishTraces}; nothing when tracing is off).
 */
@ApplicationScoped
public class SamplePublisher {

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

    private static final int LINGER_MS = 10;

    private final KafkaClients kafka;
    private final String transactionalId;
    private final IngestConfig config;
    private final IngestMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicReference<KafkaProducer<String, byte[]>> producer = new AtomicReference<>();
    private final TopicBootstrap topics;
    private final BrokerReadiness broker;
    private final KafkaTracing tracing;

    public SamplePublisher(
            KafkaClients kafka,
            TopicBootstrap topics,
            @Readiness BrokerReadiness broker,
            IngestConfig config,
            IngestMetrics metrics,
            KafkaTracing tracing,
            @ConfigProperty(name = "mmdigits.instance-id") Optional<String> instanceId,
            @ConfigProperty(name = "quarkus.http.port") int httpPort) {
        this.kafka = kafka;
        this.topics = topics;
        this.broker = broker;
        this.transactionalId =
                config.producer().transactionalIdPrefix()
                        + "-"
                        + InstanceId.resolve(instanceId, httpPort);
        this.config = config;
        this.metrics = metrics;
        this.tracing = tracing;
    }

    /**
     * Registers the transactional id with the broker as soon as it answers: an earlier process of
     * this instance that crashed in a transaction is fenced and its transaction aborted now, so
     * that {@code read_committed} readers are not held up until it times out.
     */
    void onStart(@Observes StartupEvent ignored) {
        Thread t =
                new Thread(
                        () -> {
                            int attempt = 0;
                            while (producer.get() == null) {
                                lock.lock();
                                try {
                                    ensureTopics();
                                    producer();
                                    Log.infof("transactional producer %s ready", transactionalId);
                                } catch (Exception e) {
                                    // said once (an unreachable broker at start is common), then
                                    // at debug
                                    if (attempt++ == 0) {
                                        Log.warnf(
                                                "transactional producer %s not ready yet (retrying): %s",
                                                transactionalId, e.toString());
                                    } else {
                                        Log.debugf(
                                                "transactional producer not ready yet: %s",
                                                e.getMessage());
                                    }
                                } finally {
                                    lock.unlock();
                                }
                                if (producer.get() == null) {
                                    try {
                                        Thread.sleep(2000);
                                    } catch (InterruptedException e) {
                                        return;
                                    }
                                }
                            }
                        },
                        "ingest-producer-init");
        t.setDaemon(true);
        t.start();
    }

    /** What one transaction committed: the sample count and, for a split, its publication. */
    public record Published(long count, DatasetPublished event) {}

    /**
     * Sends every sample of {@code source} to the topic of its split and, when {@code event} is
     * given, that event to {@code digits.events}, in one transaction. With an event, the records
     * carry a new publication id in their {@value Publications#HEADER} header and the event names
     * the id and the offset ranges the records landed at.
     *
     * @return the count and the event as committed
     * @throws Exception whatever the source threw, or the Kafka failure (within the broker
     *     timeout); the transaction is aborted
     */
    public Published publish(
            SampleSource source, DatasetPublished.Builder event, ProgressLog progress)
            throws Exception {
        lock.lock();
        try {
            try {
                return publishOnce(source, event, progress);
            } catch (KafkaException e) {
                if (!causedBy(e, TransactionAbortableException.class) || !broker.answers()) {
                    throw e;
                }
                // nothing of the aborted transaction is visible; the same samples once more
                Log.warnf(
                        "the Kafka client gave up on the transaction (%s) while the broker answers;"
                                + " publishing it once more",
                        e.getMessage());
                metrics.retried(kind(event));
                return publishOnce(source, event, progress);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether {@code type} is anywhere in the failure's cause chain. A {@link
     * TransactionAbortableException} is the client giving up on retriable errors within the
     * delivery timeout: a transaction that started while the broker still completed the one before
     * can meet {@code CONCURRENT_TRANSACTIONS} and out-of-order sequences behind it and stall (seen
     * on a loaded 3-node cluster); aborting and sending the transaction again is the way out the
     * client documents. A {@link TimeoutException}: the broker did not answer in time.
     */
    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** The metrics' kind of a publish: its split, or "stream" for samples sent one by one. */
    private static String kind(DatasetPublished.Builder event) {
        return event == null ? "stream" : SampleIds.splitName(event.getSplit());
    }

    private Published publishOnce(
            SampleSource source, DatasetPublished.Builder event, ProgressLog progress)
            throws Exception {
        ensureTopics();
        KafkaProducer<String, byte[]> p = producer();
        String publication =
                event == null ? null : Publications.newId(event.getDataset(), event.getSplit());
        PublicationRanges ranges = new PublicationRanges();
        long[] count = {0};
        long[] bytes = {0};
        PublishTraces traces = PublishTraces.start(tracing, event, publication);
        p.beginTransaction();
        try {
            AtomicReference<Exception> sendError = new AtomicReference<>();
            source.forEach(
                    sample -> {
                        if (sendError.get() != null) {
                            throw new KafkaException(
                                    "a record was not accepted: " + sendError.get().getMessage(),
                                    sendError.get());
                        }
                        ProducerRecord<String, byte[]> record = Splits.record(sample, publication);
                        traces.traced(record, sample);
                        p.send(
                                record,
                                (meta, e) -> {
                                    if (e != null) {
                                        sendError.compareAndSet(null, e);
                                    } else {
                                        ranges.add(meta);
                                    }
                                });
                        count[0]++;
                        bytes[0] += sample.getSerializedSize();
                        if (progress != null) {
                            progress.update(count[0], sample.getSerializedSize());
                        }
                    });
            p.flush();
            if (sendError.get() != null) {
                throw sendError.get();
            }
            DatasetPublished committed = null;
            if (event != null) {
                committed = Splits.published(event, publication, count[0], ranges);
                p.send(Splits.eventRecord(committed));
            }
            p.commitTransaction();
            traces.committed(count[0]);
            metrics.committed(kind(event), count[0], bytes[0]);
            return new Published(count[0], committed);
        } catch (Exception | Error e) {
            traces.failed(e);
            abort(p, e);
            throw e;
        }
    }

    /** Sends a batch of already validated samples in one transaction. */
    public long publish(List<Sample> samples) throws Exception {
        return publish(sink -> samples.forEach(sink::send), null, null).count();
    }

    private void abort(KafkaProducer<String, byte[]> p, Throwable cause) {
        if (causedBy(cause, TimeoutException.class)) {
            // the broker does not answer: an abort would wait for it too; the next producer (same
            // transactional id) fences this
            // one and the broker aborts the transaction then, so nothing of it ever becomes visible
            Log.warnf(
                    "the broker did not answer (%s); dropping the producer, its transaction is aborted when the next one starts",
                    cause.getMessage());
            drop();
            return;
        }
        try {
            p.abortTransaction();
            Log.warnf("transaction aborted, nothing of it is visible: %s", cause.getMessage());
        } catch (KafkaException e) {
            // a producer that cannot abort is unusable: drop it, the broker aborts on timeout or
            // fencing
            Log.warnf("abort failed (%s); closing the producer", e.getMessage());
            drop();
        }
    }

    private void drop() {
        KafkaProducer<String, byte[]> old = producer.getAndSet(null);
        if (old != null) {
            old.close(Duration.ZERO);
        }
    }

    /** The topics exist before the first publish (made here only where this service makes them). */
    private void ensureTopics() throws Exception {
        topics.ensure(config.producer().brokerTimeout());
    }

    private KafkaProducer<String, byte[]> producer() {
        KafkaProducer<String, byte[]> p = producer.get();
        if (p == null) {
            IngestConfig.Producer c = config.producer();
            int timeout = (int) c.brokerTimeout().toMillis();
            Map<String, Object> settings = new HashMap<>();
            // stable per instance: a restarted instance fences the crashed one and aborts its open
            // transaction at once
            settings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
            settings.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, c.compression());
            settings.put(ProducerConfig.LINGER_MS_CONFIG, LINGER_MS);
            settings.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
            // an unreachable broker fails a publish within the broker timeout (blocked sends,
            // undelivered batches, the abort)
            settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout);
            settings.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
            settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeout + LINGER_MS);
            settings.put(
                    ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                    (int) c.transactionTimeout().toMillis());
            p = kafka.producer("mmdigits-ingest", settings);
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
