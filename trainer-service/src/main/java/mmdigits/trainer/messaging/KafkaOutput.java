package mmdigits.trainer.messaging;

import io.quarkus.logging.Log;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import mmdigits.common.Topics;
import mmdigits.common.kafka.DeadLetters;
import mmdigits.common.kafka.InstanceId;
import mmdigits.common.kafka.KafkaClients;
import mmdigits.common.kafka.ModelKeys;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.security.ReleaseKeys;
import mmdigits.common.security.ReleaseSignatures;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What the trainer writes to Kafka, always in transactions: a release together with its result
 * event, the promotion and the tombstones of versions no longer kept is one atomic step (a crash
 * leaves all of it or none). The transactional id is stable per instance, so a restarted trainer
 * fences the crashed one and its open transaction is aborted at once. A plain producer (from {@link
 * KafkaClients}), not a channel's {@code KafkaTransactions}: releases of up to 64 MB are committed
 * synchronously from training threads and HTTP calls, and a producer whose abort fails is closed
 * and a new one takes over at the next commit (a channel's transactional producer is created once,
 * for the channel).
 */
@ApplicationScoped
public class KafkaOutput {
    private final KafkaClients kafka;
    private final String transactionalId;
    private final PrivateKey signingKey;
    private KafkaProducer<String, byte[]> producer;

    public KafkaOutput(
            KafkaClients kafka,
            @ConfigProperty(name = "mmdigits.instance-id") Optional<String> instanceId,
            @ConfigProperty(name = "quarkus.http.port") int httpPort,
            ReleaseKeys keys) {
        this.kafka = kafka;
        this.transactionalId = "mmdigits-trainer-" + InstanceId.resolve(instanceId, httpPort);
        this.signingKey = keys.signingKey();
    }

    public static ProducerRecord<String, byte[]> event(String key, Event event) {
        return new ProducerRecord<>(Topics.EVENTS, key, event.toByteArray());
    }

    /** A release record, its value signed with the trainer's key ({@link ReleaseSignatures}). */
    public ProducerRecord<String, byte[]> release(ModelRelease release) {
        return ReleaseSignatures.record(release, signingKey);
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
            for (ProducerRecord<String, byte[]> r : records) {
                p.send(r);
            }
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

    public void deadLetter(ConsumerRecord<String, byte[]> r, Exception failure) {
        try {
            commit(List.of(DeadLetters.of(r, failure)));
        } catch (Exception e) {
            Log.warnf("could not dead-letter a record of %s: %s", r.topic(), e.getMessage());
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
            TopicAdmin.ensureTopics(kafka.config(), Duration.ofSeconds(30));
            Map<String, Object> c = new HashMap<>();
            c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
            c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_MESSAGE_BYTES);
            c.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 2L * Topics.MAX_MESSAGE_BYTES);
            c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
            c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
            c.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
            KafkaProducer<String, byte[]> p = kafka.producer("mmdigits-trainer", c);
            try {
                p.initTransactions();
            } catch (RuntimeException e) {
                p.close(Duration.ZERO);
                throw e;
            }
            producer = p;
        }
        return producer;
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
        }
    }
}
