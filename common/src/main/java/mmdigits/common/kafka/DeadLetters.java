package mmdigits.common.kafka;

import static io.smallrye.reactive.messaging.kafka.fault.KafkaDeadLetterQueue.DEAD_LETTER_CAUSE;
import static io.smallrye.reactive.messaging.kafka.fault.KafkaDeadLetterQueue.DEAD_LETTER_CAUSE_CLASS_NAME;
import static io.smallrye.reactive.messaging.kafka.fault.KafkaDeadLetterQueue.DEAD_LETTER_EXCEPTION_CLASS_NAME;
import static io.smallrye.reactive.messaging.kafka.fault.KafkaDeadLetterQueue.DEAD_LETTER_OFFSET;
import static io.smallrye.reactive.messaging.kafka.fault.KafkaDeadLetterQueue.DEAD_LETTER_PARTITION;
import static io.smallrye.reactive.messaging.kafka.fault.KafkaDeadLetterQueue.DEAD_LETTER_REASON;
import static io.smallrye.reactive.messaging.kafka.fault.KafkaDeadLetterQueue.DEAD_LETTER_TOPIC;

import java.nio.charset.StandardCharsets;
import java.util.List;
import mmdigits.common.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The one shape of a dead letter: a record that could not be decoded or validated, copied unchanged
 * (key, value, headers) to {@link Topics#DEAD_LETTER} with the failure and its origin in the
 * headers SmallRye Reactive Messaging's {@code dead-letter-queue} failure strategy writes — the
 * same names (its constants), values and order. Channels dead-letter through that strategy; the
 * plain consumers (which send the letter in their own transaction) build it here.
 */
public final class DeadLetters {
    public static final String REASON = DEAD_LETTER_REASON;
    public static final String TOPIC = DEAD_LETTER_TOPIC;
    public static final String PARTITION = DEAD_LETTER_PARTITION;
    public static final String OFFSET = DEAD_LETTER_OFFSET;
    public static final String EXCEPTION = DEAD_LETTER_EXCEPTION_CLASS_NAME;
    public static final String CAUSE = DEAD_LETTER_CAUSE;
    public static final String CAUSE_CLASS = DEAD_LETTER_CAUSE_CLASS_NAME;

    /**
     * The headers every dead letter has; {@link #CAUSE} and {@link #CAUSE_CLASS} come when the
     * failure has a cause.
     */
    public static final List<String> HEADERS = List.of(EXCEPTION, REASON, TOPIC, PARTITION, OFFSET);

    private DeadLetters() {}

    public static ProducerRecord<String, byte[]> of(
            ConsumerRecord<String, byte[]> r, Throwable failure) {
        ProducerRecord<String, byte[]> out =
                new ProducerRecord<>(Topics.DEAD_LETTER, r.key(), r.value());
        add(out, EXCEPTION, failure.getClass().getName());
        add(out, REASON, message(failure));
        if (failure.getCause() != null) {
            add(out, CAUSE_CLASS, failure.getCause().getClass().getName());
            add(out, CAUSE, message(failure.getCause()));
        }
        add(out, TOPIC, r.topic());
        add(out, PARTITION, Integer.toString(r.partition()));
        add(out, OFFSET, Long.toString(r.offset()));
        r.headers().forEach(h -> out.headers().add(h));
        return out;
    }

    /** The reason header of a dead letter, or null. */
    public static String reason(Headers headers) {
        return text(headers, REASON);
    }

    /** A header's value as text, or null. */
    public static String text(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static String message(Throwable t) {
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private static void add(ProducerRecord<String, byte[]> r, String name, String value) {
        r.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
