package mmdigits.common.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import mmdigits.common.Topics;
import mmdigits.common.events.Publication;
import mmdigits.common.proto.PartitionRange;
import mmdigits.common.proto.Split;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads the records of one publication: only its offset ranges ({@code read_committed}), keeping
 * the records whose {@value Publications#HEADER} header names it. The cost is the split's size,
 * whatever else the topic holds. A plain consumer: a bounded read of given offset ranges, which a
 * channel (a stream without an end) does not do.
 */
public final class PublicationReader {
    private PublicationReader() {}

    public static String topic(Split split) {
        return split == Split.TRAIN ? Topics.SAMPLES_TRAIN : Topics.SAMPLES_TEST;
    }

    /**
     * Calls {@code each} for every record of the publication, partition by partition, in offset
     * order.
     *
     * @return the number of records handed over
     * @throws IllegalStateException when the ranges cannot be read within {@code timeout}
     */
    public static long read(
            Map<String, Object> connection,
            Publication publication,
            Duration timeout,
            Consumer<ConsumerRecord<String, byte[]>> each) {
        String topic = topic(publication.split());
        long deadline = System.nanoTime() + timeout.toNanos();
        long n = 0;
        try (KafkaConsumer<String, byte[]> c =
                Consumers.readCommitted(
                        connection,
                        "mmdigits-publication-reader",
                        Map.of(
                                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                                8 * 1024 * 1024,
                                ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                                2000))) {
            for (PartitionRange range : publication.ranges().values()) {
                TopicPartition tp = new TopicPartition(topic, range.getPartition());
                c.assign(List.of(tp));
                c.seek(tp, range.getFirstOffset());
                while (c.position(tp) <= range.getLastOffset()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(
                                "could not read publication "
                                        + publication.id()
                                        + " ("
                                        + topic
                                        + "/"
                                        + range.getPartition()
                                        + " offsets "
                                        + range.getFirstOffset()
                                        + "-"
                                        + range.getLastOffset()
                                        + ") within "
                                        + timeout);
                    }
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                        if (r.offset() <= range.getLastOffset()
                                && publication.id().equals(Publications.of(r.headers()))) {
                            each.accept(r);
                            n++;
                        }
                    }
                }
            }
        }
        return n;
    }

    /** Every record of the publication, in a list (for tests and small splits). */
    public static List<ConsumerRecord<String, byte[]>> readAll(
            String bootstrapServers, Publication publication, Duration timeout) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        read(KafkaClients.config(bootstrapServers), publication, timeout, out::add);
        return out;
    }
}
