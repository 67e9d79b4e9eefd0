package mmdigits.trainer.messaging;

import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import mmdigits.common.Topics;
import mmdigits.common.events.Publication;
import mmdigits.common.kafka.Consumers;
import mmdigits.common.kafka.KafkaClients;
import mmdigits.common.kafka.PublicationReader;
import mmdigits.common.kafka.SampleDeserializer;
import mmdigits.common.proto.Sample;
import mmdigits.trainer.training.TrainingSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Loads a dataset's training samples into a {@link TrainingSet}: the offset ranges of its latest
 * published train split when there is one (the cost is the split's size, whatever else the topic
 * holds), else — a dataset streamed sample by sample — a scan of {@code digits.samples.train} for
 * its samples. {@code read_committed}; records that cannot be decoded go to the dead-letter topic
 * with the reason and are skipped.
 */
@ApplicationScoped
public class TrainingSetReader {
    private final KafkaClients kafka;
    private final KafkaOutput output;

    public TrainingSetReader(KafkaClients kafka, KafkaOutput output) {
        this.kafka = kafka;
        this.output = output;
    }

    /** What was read: the set, the records read and how many of them were dead-lettered. */
    public record Read(TrainingSet set, long records, long deadLettered) {}

    /**
     * The latest published train split of {@code dataset} when given, else every train sample of
     * the dataset.
     */
    public Read read(String dataset, Optional<Publication> publication) {
        Loader loader = new Loader(dataset);
        if (publication.isPresent() && publication.get().locatable()) {
            Log.infof(
                    "loading dataset '%s': publication %s (%,d samples)",
                    dataset, publication.get().id(), publication.get().count());
            PublicationReader.read(
                    kafka.config(), publication.get(), Duration.ofMinutes(10), loader::accept);
        } else {
            Log.infof(
                    "dataset '%s' has no published train split: scanning %s for its samples",
                    dataset, Topics.SAMPLES_TRAIN);
            scan(loader);
        }
        // the partitions' records interleave as they arrive: the same data in the same order
        loader.set.sortByRowId();
        Log.infof(
                "loaded %,d training samples of dataset '%s' from %,d records (%d dead-lettered)",
                loader.set.size(), dataset, loader.records, loader.dead);
        return new Read(loader.set, loader.records, loader.dead);
    }

    private void scan(Loader loader) {
        try (KafkaConsumer<String, byte[]> c =
                kafka.consumer(
                        "mmdigits-trainer-load",
                        Map.of(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024))) {
            Consumers.scan(
                    c, Topics.SAMPLES_TRAIN, Duration.ofHours(1), () -> false, loader::accept);
        }
    }

    /**
     * Decodes records into the set (samples of the dataset only), dead-letters the undecodable,
     * logs progress.
     */
    private final class Loader {
        private final SampleDeserializer decoder = new SampleDeserializer();
        private final String dataset;
        private final TrainingSet set = new TrainingSet();
        private long records;
        private long dead;
        private long lastLog = System.nanoTime();

        Loader(String dataset) {
            this.dataset = dataset;
        }

        void accept(ConsumerRecord<String, byte[]> r) {
            records++;
            try {
                Sample s = decoder.deserialize(r.topic(), r.headers(), r.value());
                if (s != null && dataset.equals(s.getDataset())) {
                    set.add(s);
                }
            } catch (SerializationException e) {
                dead++;
                output.deadLetter(r, e);
            }
            if (System.nanoTime() - lastLog > 2_000_000_000L) {
                lastLog = System.nanoTime();
                Log.infof(
                        "loading %s: %,d records read, %,d samples",
                        Topics.SAMPLES_TRAIN, records, set.size());
            }
        }
    }
}
