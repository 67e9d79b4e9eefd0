package mmdigits.common.kafka;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import mmdigits.common.Topics;

/**
 * Dead letters: a record that could not be decoded or validated, copied unchanged to
 * {@link Topics#DEAD_LETTER} with the reason and its origin in headers (the same header names
 * SmallRye Reactive Messaging's dead-letter strategy writes).
 */
public final class DeadLetters {
    public static final String REASON = "dead-letter-reason";
    public static final String TOPIC = "dead-letter-topic";
    public static final String PARTITION = "dead-letter-partition";
    public static final String OFFSET = "dead-letter-offset";

    private DeadLetters() {
    }

    public static ProducerRecord<String, byte[]> of(ConsumerRecord<String, byte[]> r, String reason) {
        ProducerRecord<String, byte[]> out = new ProducerRecord<>(Topics.DEAD_LETTER, r.key(), r.value());
        r.headers().forEach(h -> out.headers().add(h));
        out.headers().add(REASON, utf8(reason == null ? "unknown" : reason));
        out.headers().add(TOPIC, utf8(r.topic()));
        out.headers().add(PARTITION, utf8(Integer.toString(r.partition())));
        out.headers().add(OFFSET, utf8(Long.toString(r.offset())));
        return out;
    }

    /** The reason header of a dead letter, or null. */
    public static String reason(org.apache.kafka.common.header.Headers headers) {
        var h = headers.lastHeader(REASON);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
