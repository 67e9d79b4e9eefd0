package mmdigits.common.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import mmdigits.common.proto.PartitionRange;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Collects where a publication's records landed (first and last offset and count per partition)
 * from the producer's acknowledgements, for its {@code DatasetPublished} event. Thread-safe: the
 * producer calls back from its I/O thread.
 */
public final class PublicationRanges {
    private final Map<Integer, long[]> byPartition = new TreeMap<>();

    public synchronized void add(RecordMetadata meta) {
        long offset = meta.offset();
        long[] r =
                byPartition.computeIfAbsent(meta.partition(), k -> new long[] {offset, offset, 0});
        r[0] = Math.min(r[0], offset);
        r[1] = Math.max(r[1], offset);
        r[2]++;
    }

    public synchronized List<PartitionRange> toProto() {
        List<PartitionRange> out = new ArrayList<>();
        byPartition.forEach(
                (p, r) ->
                        out.add(
                                PartitionRange.newBuilder()
                                        .setPartition(p)
                                        .setFirstOffset(r[0])
                                        .setLastOffset(r[1])
                                        .setCount(r[2])
                                        .build()));
        return out;
    }
}
