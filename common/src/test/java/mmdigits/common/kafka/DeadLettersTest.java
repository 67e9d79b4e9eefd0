package mmdigits.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import mmdigits.common.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class DeadLettersTest {
    static ConsumerRecord<String, byte[]> poison() {
        ConsumerRecord<String, byte[]> r =
                new ConsumerRecord<>(Topics.EMBEDDINGS, 3, 41L, "d/test/7", new byte[] {9, 8, 7});
        r.headers().add("content-type", "application/x-protobuf".getBytes(StandardCharsets.UTF_8));
        return r;
    }

    static List<String> names(ProducerRecord<String, byte[]> r) {
        List<String> names = new ArrayList<>();
        r.headers().forEach(h -> names.add(h.key()));
        return names;
    }

    @Test
    void theRecordIsCopiedWithTheConnectorsHeadersInItsOrder() {
        Exception failure =
                new IllegalArgumentException(
                        "undecodable record on digits.embeddings: truncated",
                        new IllegalStateException("truncated"));

        ProducerRecord<String, byte[]> d = DeadLetters.of(poison(), failure);

        assertThat(d.topic()).isEqualTo("digits.dead-letter");
        assertThat(d.key()).isEqualTo("d/test/7");
        assertThat(d.value()).containsExactly(9, 8, 7);
        assertThat(names(d))
                .containsExactly(
                        "dead-letter-exception-class-name",
                        "dead-letter-reason",
                        "dead-letter-cause-class-name",
                        "dead-letter-cause",
                        "dead-letter-topic",
                        "dead-letter-partition",
                        "dead-letter-offset",
                        "content-type");
        assertThat(DeadLetters.text(d.headers(), DeadLetters.EXCEPTION))
                .isEqualTo("java.lang.IllegalArgumentException");
        assertThat(DeadLetters.reason(d.headers()))
                .isEqualTo("undecodable record on digits.embeddings: truncated");
        assertThat(DeadLetters.text(d.headers(), DeadLetters.CAUSE_CLASS))
                .isEqualTo("java.lang.IllegalStateException");
        assertThat(DeadLetters.text(d.headers(), DeadLetters.CAUSE)).isEqualTo("truncated");
        assertThat(DeadLetters.text(d.headers(), DeadLetters.TOPIC)).isEqualTo("digits.embeddings");
        assertThat(DeadLetters.text(d.headers(), DeadLetters.PARTITION)).isEqualTo("3");
        assertThat(DeadLetters.text(d.headers(), DeadLetters.OFFSET)).isEqualTo("41");
        assertThat(DeadLetters.text(d.headers(), "content-type"))
                .isEqualTo("application/x-protobuf");
    }

    @Test
    void aFailureWithoutCauseOrMessageStillSaysWhatItWas() {
        ProducerRecord<String, byte[]> d = DeadLetters.of(poison(), new NullPointerException());

        assertThat(names(d))
                .containsExactly(
                        "dead-letter-exception-class-name",
                        "dead-letter-reason",
                        "dead-letter-topic",
                        "dead-letter-partition",
                        "dead-letter-offset",
                        "content-type");
        assertThat(DeadLetters.reason(d.headers())).isEqualTo("java.lang.NullPointerException");
    }
}
