package mmdigits.common.kafka;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import mmdigits.common.Topics;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The records of a published split: each sample with its content type and publication header, and
 * the {@code DatasetPublished} event naming the publication and where its records landed. The
 * ingest service publishes through these; tests and tools that publish a split the same way use
 * {@link #publish}.
 */
public final class Splits {
    private static final byte[] PROTOBUF = ContentTypes.PROTOBUF.getBytes(StandardCharsets.UTF_8);

    private Splits() {}

    /**
     * A sample's record on its split's topic; {@code publication} null for a sample streamed on its
     * own.
     */
    public static ProducerRecord<String, byte[]> record(Sample sample, String publication) {
        String topic =
                sample.getSplit() == Split.TRAIN ? Topics.SAMPLES_TRAIN : Topics.SAMPLES_TEST;
        ProducerRecord<String, byte[]> record =
                new ProducerRecord<>(topic, sample.getId(), sample.toByteArray());
        record.headers().add(ContentTypes.HEADER, PROTOBUF);
        if (publication != null) {
            record.headers().add(Publications.HEADER, Publications.header(publication));
        }
        return record;
    }

    /** The event closing a publication: its id, count and ranges. */
    public static DatasetPublished published(
            DatasetPublished.Builder event,
            String publication,
            long count,
            PublicationRanges ranges) {
        return event.setCount(count)
                .setPublishedAtMs(System.currentTimeMillis())
                .setPublicationId(publication)
                .addAllRanges(ranges.toProto())
                .build();
    }

    public static ProducerRecord<String, byte[]> eventRecord(DatasetPublished d) {
        Event e =
                Event.newBuilder()
                        .setTimestampMs(System.currentTimeMillis())
                        .setDatasetPublished(d)
                        .build();
        return new ProducerRecord<>(Topics.EVENTS, d.getDataset(), e.toByteArray());
    }

    /**
     * Publishes samples of one dataset split in one transaction of its own, as the ingest service
     * does.
     */
    public static DatasetPublished publish(
            String bootstrapServers, String dataset, Split split, List<Sample> samples) {
        String publication = Publications.newId(dataset, split);
        PublicationRanges ranges = new PublicationRanges();
        try (KafkaProducer<String, byte[]> p =
                Producers.idempotent(
                        bootstrapServers,
                        "mmdigits-split-publisher",
                        Map.of(
                                ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                                "mmdigits-split-publisher-" + publication))) {
            p.initTransactions();
            p.beginTransaction();
            for (Sample s : samples) {
                p.send(
                        record(s, publication),
                        (meta, e) -> {
                            if (meta != null) {
                                ranges.add(meta);
                            }
                        });
            }
            p.flush();
            DatasetPublished d =
                    published(
                            DatasetPublished.newBuilder()
                                    .setDataset(dataset)
                                    .setSplit(split)
                                    .setLabeled(samples.stream().allMatch(Sample::hasLabel))
                                    .setSource("test"),
                            publication,
                            samples.size(),
                            ranges);
            p.send(eventRecord(d));
            p.commitTransaction();
            return d;
        }
    }
}
