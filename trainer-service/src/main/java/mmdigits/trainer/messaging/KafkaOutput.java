package mmdigits.trainer.messaging;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import mmdigits.common.Topics;
import mmdigits.common.kafka.DeadLetterCount;
import mmdigits.common.kafka.DeadLetters;
import mmdigits.common.kafka.InstanceId;
import mmdigits.common.kafka.KafkaClients;
import mmdigits.common.kafka.ModelKeys;
import mmdigits.common.kafka.TopicBootstrap;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelPromoted;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.security.ReleaseKeys;
import mmdigits.common.security.ReleaseSignatures;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What the trainer writes to Kafka, always in transactions. Two producers:
 *
 * <ul>
 *   <li>this instance's, for run events and dead letters: its transactional id is stable per
 *       instance, so a restarted trainer fences the crashed one and its open transaction is aborted
 *       at once;
 *   <li>the registry's ({@link #exclusive}): a release with its result event, the promotion and the
 *       tombstones of versions no longer kept, or a promotion or rollback, is one atomic step, and
 *       its transactional id is {@value #REGISTRY_TRANSACTIONAL_ID} on every trainer replica —
 *       opening it fences the others, so two replicas never decide on the registry at once.
 * </ul>
 *
 * Plain producers (from {@link KafkaClients}), not a channel's {@code KafkaTransactions}: releases
 * of up to 64 MB are committed synchronously from training threads and HTTP calls, and a producer
 * whose abort fails is closed and a new one takes over at the next commit.
 */
@Startup // its dead-letter series exist at 0 from the start, for alerts on their increase
@ApplicationScoped
public class KafkaOutput {
    /** The registry's transactional id, shared by the trainer replicas (a prefix of their ACL). */
    public static final String REGISTRY_TRANSACTIONAL_ID = "mmdigits-trainer-registry";

    private static final int REGISTRY_ATTEMPTS = 5;

    /** What a registry decision writes, and what it returns to its caller. */
    public record Decided<T>(List<ProducerRecord<String, byte[]>> records, T result) {}

    /** A registry decision, taken on a view of the topics that includes every earlier one. */
    @FunctionalInterface
    public interface Exclusive<T> {
        Decided<T> decide() throws Exception;
    }

    private final KafkaClients kafka;
    private final TopicBootstrap topics;
    private final String transactionalId;
    private final PrivateKey signingKey;
    private final DeadLetterCount deadLetters;
    private KafkaProducer<String, byte[]> producer;

    public KafkaOutput(
            KafkaClients kafka,
            TopicBootstrap topics,
            @ConfigProperty(name = "mmdigits.instance-id") Optional<String> instanceId,
            @ConfigProperty(name = "quarkus.http.port") int httpPort,
            ReleaseKeys keys,
            MeterRegistry meters) {
        this.kafka = kafka;
        this.topics = topics;
        this.transactionalId = "mmdigits-trainer-" + InstanceId.resolve(instanceId, httpPort);
        this.signingKey = keys.signingKey();
        this.deadLetters =
                new DeadLetterCount(
                        meters,
                        "trainer-service",
                        Topics.EVENTS,
                        Topics.MODELS,
                        Topics.PROMOTIONS,
                        Topics.SAMPLES_TRAIN);
    }

    public static ProducerRecord<String, byte[]> event(String key, Event event) {
        return new ProducerRecord<>(Topics.EVENTS, key, event.toByteArray());
    }

    /** A release record, its value signed with the trainer's key ({@link ReleaseSignatures}). */
    public ProducerRecord<String, byte[]> release(ModelRelease release) {
        return ReleaseSignatures.record(release, signingKey);
    }

    /** A promotion or rollback on {@code digits.promotions}, signed like a release. */
    public ProducerRecord<String, byte[]> promotion(ModelPromoted promotion) {
        return ReleaseSignatures.record(promotion, signingKey);
    }

    /** Removes a version from the compacted topic. */
    public static ProducerRecord<String, byte[]> tombstone(String name, String version) {
        return new ProducerRecord<>(Topics.MODELS, ModelKeys.of(name, version), null);
    }

    /** Commits the records in one transaction; waits until the broker has them. */
    public synchronized void commit(List<ProducerRecord<String, byte[]>> records) throws Exception {
        KafkaProducer<String, byte[]> p = producer();
        p.beginTransaction();
        try {
            records.forEach(p::send);
            p.commitTransaction();
        } catch (Exception e) {
            abort(p);
            throw e;
        }
    }

    /** An event on its own (progress, queue changes): logged, not thrown, when Kafka refuses it. */
    public void send(String key, Event event) {
        try {
            commit(List.of(event(key, event)));
        } catch (Exception e) {
            Log.warnf("could not send an event (%s): %s", event.getPayloadCase(), e.getMessage());
        }
    }

    /**
     * Counts a record of {@code topic} that a channel's dead-letter-queue strategy sends (the
     * events channel); the plain consumers' letters are counted by {@link #deadLetter}.
     */
    public void countDeadLetter(String topic) {
        deadLetters.increment(topic);
    }

    public void deadLetter(ConsumerRecord<String, byte[]> r, Exception failure) {
        try {
            commit(List.of(DeadLetters.of(r, failure)));
            deadLetters.increment(r.topic());
        } catch (Exception e) {
            Log.warnf("could not dead-letter a record of %s: %s", r.topic(), e.getMessage());
        }
    }

    /**
     * Takes a registry decision and commits what it writes in one transaction of the registry's
     * producer. The producer is opened first — fencing any other replica's registry producer and
     * aborting its open transaction — so the decision's view of the topics (it syncs them) includes
     * every registry write committed before; when another replica opens it in turn before this
     * commit, the commit fails and the decision is taken again.
     */
    public <T> T exclusive(Exclusive<T> decision) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try (KafkaProducer<String, byte[]> p = registryProducer()) {
                Decided<T> d = decision.decide();
                commit(p, d.records());
                return d.result();
            } catch (ProducerFencedException | InvalidProducerEpochException e) {
                if (attempt >= REGISTRY_ATTEMPTS) {
                    throw e;
                }
                Log.infof(
                        "another trainer replica wrote to the registry meanwhile (%s); deciding again",
                        e.getMessage());
            }
        }
    }

    private static void commit(
            KafkaProducer<String, byte[]> p, List<ProducerRecord<String, byte[]>> records) {
        if (records.isEmpty()) {
            return;
        }
        p.beginTransaction();
        try {
            records.forEach(p::send);
            p.commitTransaction();
        } catch (RuntimeException e) {
            try {
                p.abortTransaction();
            } catch (KafkaException ignored) {
                // fenced or broken: closing it is all that is left; the broker aborts on its own
            }
            throw e;
        }
    }

    private void abort(KafkaProducer<String, byte[]> p) {
        try {
            p.abortTransaction();
        } catch (KafkaException e) {
            // a producer that cannot abort is unusable: the next one fences it and the broker
            // aborts its transaction
            Log.warnf("abort failed (%s); a new producer takes over", e.getMessage());
            p.close(Duration.ZERO);
            producer = null;
        }
    }

    private KafkaProducer<String, byte[]> producer() throws Exception {
        if (producer == null) {
            producer = transactional(transactionalId);
        }
        return producer;
    }

    private KafkaProducer<String, byte[]> registryProducer() throws Exception {
        return transactional(REGISTRY_TRANSACTIONAL_ID);
    }

    private KafkaProducer<String, byte[]> transactional(String id) throws Exception {
        topics.ensure(Duration.ofSeconds(30));
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_MESSAGE_BYTES);
        c.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 2L * Topics.MAX_MESSAGE_BYTES);
        c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        c.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
        KafkaProducer<String, byte[]> p = kafka.producer(id, c);
        try {
            p.initTransactions();
        } catch (RuntimeException e) {
            p.close(Duration.ZERO);
            throw e;
        }
        return p;
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
        }
    }
}
