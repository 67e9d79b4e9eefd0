package mmdigits.common.events;

import java.util.Map;
import java.util.TreeMap;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.PartitionRange;
import mmdigits.common.proto.Split;

/**
 * One published split: its id (the records' {@code mmdigits-publication} header), dataset, split,
 * count and where its records lie (offset ranges per partition of the split's topic).
 */
public record Publication(
        String id,
        String dataset,
        Split split,
        long count,
        boolean labeled,
        Map<Integer, PartitionRange> ranges,
        long eventOffset) {

    public static Publication of(DatasetPublished d, long eventOffset) {
        Map<Integer, PartitionRange> ranges = new TreeMap<>();
        d.getRangesList().forEach(r -> ranges.put(r.getPartition(), r));
        return new Publication(
                d.getPublicationId(),
                d.getDataset(),
                d.getSplit(),
                d.getCount(),
                d.getLabeled(),
                Map.copyOf(ranges),
                eventOffset);
    }

    /**
     * False for a publication of an older format (no id or no ranges): it can only be found by
     * scanning the topic.
     */
    public boolean locatable() {
        return !id.isEmpty() && (!ranges.isEmpty() || count == 0);
    }
}
