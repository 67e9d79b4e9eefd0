package mmdigits.trainer.messaging;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.logging.Log;
import mmdigits.common.Topics;
import mmdigits.common.kafka.Consumers;
import mmdigits.common.kafka.SampleDeserializer;
import mmdigits.common.proto.Sample;
import mmdigits.trainer.training.TrainingSet;

/**
 * Reads {@code digits.samples.train} from the beginning to its current end ({@code read_committed})
 * into a {@link TrainingSet}; records that cannot be decoded go to the dead-letter topic with the
 * reason and are skipped.
 */
@ApplicationScoped
public class TrainingSetReader {
    private final String bootstrapServers;
    private final KafkaOutput output;

    public TrainingSetReader(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers, KafkaOutput output) {
        this.bootstrapServers = bootstrapServers;
        this.output = output;
    }

    /** What was read: the set and how many records were skipped. */
    public record Read(TrainingSet set, long records, long deadLettered) {
    }

    /** @param dataset only samples of this dataset, or all when null */
    public Read read(String dataset) {
        SampleDeserializer decoder = new SampleDeserializer();
        TrainingSet set = new TrainingSet();
        long records = 0;
        long dead = 0;
        try (KafkaConsumer<String, byte[]> c = Consumers.readCommitted(bootstrapServers, "mmdigits-trainer-load", Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "mmdigits-trainer-load-" + UUID.randomUUID(),
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024))) {
            List<TopicPartition> partitions = c.partitionsFor(Topics.SAMPLES_TRAIN, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(Topics.SAMPLES_TRAIN, p.partition())).toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            long lastLog = System.nanoTime();
            while (partitions.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    records++;
                    Sample s;
                    try {
                        s = decoder.deserialize(r.topic(), r.headers(), r.value());
                    } catch (SerializationException e) {
                        dead++;
                        output.deadLetter(r, e.getMessage());
                        continue;
                    }
                    if (s != null && (dataset == null || dataset.equals(s.getDataset()))) {
                        set.add(s);
                    }
                }
                if (System.nanoTime() - lastLog > 2_000_000_000L) {
                    lastLog = System.nanoTime();
                    Log.infof("loading %s: %,d records read, %,d samples", Topics.SAMPLES_TRAIN, records, set.size());
                }
            }
        }
        Log.infof("loaded %,d training samples%s from %,d records (%d dead-lettered)", set.size(),
                dataset == null ? "" : " of dataset '" + dataset + "'", records, dead);
        return new Read(set, records, dead);
    }

}
