package mmdigits.common.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import mmdigits.common.Topics;
import mmdigits.common.proto.ModelPromoted;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** A promotion takes effect only when the trainer's key signed it and its sequence is new. */
class SequenceCheckTest {
    final KeyPair trainer = pair();
    final SequenceCheck<ModelPromoted> check = SequenceCheck.promotions(trainer.getPublic());

    static KeyPair pair() {
        try {
            return KeyPairGenerator.getInstance(ReleaseSignatures.ALGORITHM).generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static ModelPromoted promotion(String version, long sequence) {
        return ModelPromoted.newBuilder()
                .setAlias("digits")
                .setName("demo")
                .setVersion(version)
                .setReason("gate")
                .setSequence(sequence)
                .build();
    }

    /** The record as a reader receives it from the topic. */
    static ConsumerRecord<String, byte[]> received(ProducerRecord<String, byte[]> sent) {
        ConsumerRecord<String, byte[]> r =
                new ConsumerRecord<>(sent.topic(), 0, 0, sent.key(), sent.value());
        sent.headers().forEach(h -> r.headers().add(h));
        return r;
    }

    @Test
    void aSignedPromotionInSequencePassesAndLandsOnThePromotionsTopic() throws Exception {
        ProducerRecord<String, byte[]> sent =
                ReleaseSignatures.record(promotion("v1", 1), trainer.getPrivate());
        assertThat(sent.topic()).isEqualTo(Topics.PROMOTIONS);
        assertThat(sent.key()).isEqualTo("digits");
        check.check(received(sent), promotion("v1", 1));
        check.check(
                received(ReleaseSignatures.record(promotion("v2", 2), trainer.getPrivate())),
                promotion("v2", 2));
    }

    @Test
    void anUnsignedPromotionIsRefused() {
        ConsumerRecord<String, byte[]> r =
                new ConsumerRecord<>(
                        Topics.PROMOTIONS, 0, 0, "digits", promotion("v9", 1).toByteArray());
        assertThatThrownBy(() -> check.check(r, promotion("v9", 1)))
                .isInstanceOf(SecurityException.class)
                .hasMessage("the promotion is not signed (no mmdigits-signature header)");
    }

    @Test
    void aPromotionSignedWithAnotherKeyIsRefused() {
        ProducerRecord<String, byte[]> forged =
                ReleaseSignatures.record(promotion("v9", 1), pair().getPrivate());
        assertThatThrownBy(() -> check.check(received(forged), promotion("v9", 1)))
                .isInstanceOf(SecurityException.class)
                .hasMessageContaining("the promotion's signature does not verify");
    }

    @Test
    void theSignatureOfOtherBytesIsRefused() {
        ProducerRecord<String, byte[]> genuine =
                ReleaseSignatures.record(promotion("v1", 1), trainer.getPrivate());
        ConsumerRecord<String, byte[]> swapped =
                new ConsumerRecord<>(
                        Topics.PROMOTIONS, 0, 0, "digits", promotion("v9", 1).toByteArray());
        swapped.headers().add(genuine.headers().lastHeader(ReleaseSignatures.HEADER));
        assertThatThrownBy(() -> check.check(swapped, promotion("v9", 1)))
                .isInstanceOf(SecurityException.class)
                .hasMessageContaining("does not verify");
    }

    @Test
    void aReplayedPromotionIsRefusedByItsSequence() throws Exception {
        ProducerRecord<String, byte[]> first =
                ReleaseSignatures.record(promotion("v1", 1), trainer.getPrivate());
        check.check(received(first), promotion("v1", 1));
        check.check(
                received(ReleaseSignatures.record(promotion("v2", 2), trainer.getPrivate())),
                promotion("v2", 2));
        assertThatThrownBy(() -> check.check(received(first), promotion("v1", 1)))
                .isInstanceOf(SecurityException.class)
                .hasMessage(
                        "promotion sequence 1 is not above 2, the newest accepted: a replayed or"
                                + " out-of-order promotion");
    }
}
