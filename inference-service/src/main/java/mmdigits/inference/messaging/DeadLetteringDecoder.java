package mmdigits.inference.messaging;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import java.util.Optional;
import mmdigits.common.kafka.DeadLetters;
import mmdigits.common.kafka.SampleDeserializer;
import mmdigits.common.proto.Sample;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Decodes test records; one that cannot be decoded goes to the dead-letter topic in the same
 * transaction as the batch's outputs (so it is dead-lettered exactly once), and never stops the
 * loop.
 */
final class DeadLetteringDecoder {
    private final SampleDeserializer decoder = new SampleDeserializer();
    private final Counter deadLetters;

    DeadLetteringDecoder(MeterRegistry meters) {
        this.deadLetters =
                Counter.builder("digits.stream.dead.letters")
                        .description("Test records sent to the dead-letter topic")
                        .register(meters);
    }

    Optional<Sample> decode(ConsumerRecord<String, byte[]> r, StreamBatch batch) {
        try {
            Sample s = decoder.deserialize(r.topic(), r.headers(), r.value());
            if (s == null) {
                throw new SerializationException("empty record (no value) on " + r.topic());
            }
            return Optional.of(s);
        } catch (SerializationException e) {
            batch.out.add(DeadLetters.of(r, e));
            deadLetters.increment();
            Log.warnf(
                    "dead-lettered %s partition %d offset %d: %s",
                    r.topic(), r.partition(), r.offset(), e.getMessage());
            return Optional.empty();
        }
    }
}
