package mmdigits.trainer.messaging;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import mmdigits.common.Topics;
import mmdigits.common.kafka.DeadLetters;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelRelease;

/** What the trainer writes to Kafka: releases (a few MB each), lifecycle events and dead letters. */
@ApplicationScoped
public class KafkaOutput {
    private final String bootstrapServers;
    private KafkaProducer<String, byte[]> producer;

    public KafkaOutput(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    private synchronized KafkaProducer<String, byte[]> producer() throws Exception {
        if (producer == null) {
            TopicAdmin.ensureTopics(bootstrapServers, Duration.ofSeconds(30));
            producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ProducerConfig.CLIENT_ID_CONFIG, "mmdigits-trainer",
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_MESSAGE_BYTES,
                    ProducerConfig.BUFFER_MEMORY_CONFIG, 2L * Topics.MAX_MESSAGE_BYTES,
                    ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"),
                    new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    /** Waits until the broker has the release. */
    public void release(ModelRelease release) throws Exception {
        producer().send(new ProducerRecord<>(Topics.MODELS, release.getName(), release.toByteArray())).get(60, TimeUnit.SECONDS);
    }

    public void event(String key, Event event) {
        try {
            producer().send(new ProducerRecord<>(Topics.EVENTS, key, event.toByteArray()));
        } catch (Exception e) {
            io.quarkus.logging.Log.warnf("could not send event: %s", e.getMessage());
        }
    }

    public void deadLetter(ConsumerRecord<String, byte[]> r, String reason) {
        try {
            producer().send(DeadLetters.of(r, reason));
        } catch (Exception e) {
            io.quarkus.logging.Log.warnf("could not dead-letter a record of %s: %s", r.topic(), e.getMessage());
        }
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
        }
    }
}
