package mmdigits.inference.messaging;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import mmdigits.common.Topics;
import mmdigits.common.kafka.DeadLetterCount;
import mmdigits.common.kafka.DeadLetters;
import mmdigits.common.kafka.SampleDeserializer;
import mmdigits.common.proto.Sample;
import mmdigits.inference.scoring.Scorer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Decodes test records and hands the decodable ones to the scorer; one that cannot be decoded goes
 * to the dead-letter topic in the same transaction as the batch's outputs (so it is dead-lettered
 * exactly once), and never stops the loop.
 */
final class DeadLetteringDecoder {
    private final SampleDeserializer decoder = new SampleDeserializer();
    private final DeadLetterCount deadLetters;

    DeadLetteringDecoder(MeterRegistry meters) {
        this.deadLetters = new DeadLetterCount(meters, "inference-service", Topics.SAMPLES_TEST);
    }

    /**
     * Decodes the records (dead-lettering those that fail) and scores the others with the model
     * named ({@code null}: the alias; see {@link Scorer#outputRecords}, which adds the alias'
     * canary and shadow) into the batch, each sample's scoring a span of its trace ({@link
     * ScoringTraces}).
     */
    void scoreDecodable(
            List<ConsumerRecord<String, byte[]>> records,
            PublishToPrediction.Work work,
            String name,
            String version,
            ScoringTraces.Scoring traced,
            Scorer scorer,
            StreamBatch batch)
            throws Exception {
        List<Sample> samples = new ArrayList<>(records.size());
        long[] publishedMs = new long[records.size()];
        for (ConsumerRecord<String, byte[]> r : records) {
            Optional<Sample> s = decode(r, batch);
            if (s.isPresent()) {
                publishedMs[samples.size()] = r.timestamp();
                samples.add(s.get());
                traced.add(r, s.get());
            }
        }
        if (!samples.isEmpty()) {
            batch.add(
                    work,
                    traced.score(
                            () ->
                                    scorer.outputRecords(
                                            name,
                                            version,
                                            samples,
                                            work == PublishToPrediction.Work.STREAM)),
                    Arrays.copyOf(publishedMs, samples.size()));
        }
    }

    private Optional<Sample> decode(ConsumerRecord<String, byte[]> r, StreamBatch batch) {
        try {
            Sample s = decoder.deserialize(r.topic(), r.headers(), r.value());
            if (s == null) {
                throw new SerializationException("empty record (no value) on " + r.topic());
            }
            return Optional.of(s);
        } catch (SerializationException e) {
            batch.out.add(DeadLetters.of(r, e));
            deadLetters.increment(r.topic());
            Log.warnf(
                    "dead-lettered %s partition %d offset %d: %s",
                    r.topic(), r.partition(), r.offset(), e.getMessage());
            return Optional.empty();
        }
    }
}
