package mmdigits.inference.messaging;

import io.quarkus.logging.Log;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import mmdigits.common.Topics;
import mmdigits.inference.jobs.PartitionProgress;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The test-topic partitions this replica owns and their job progress, which lives in the metadata
 * of the group's committed offsets: read from there when a partition is assigned or a transaction
 * was aborted, written back with the offsets of every transaction. Changed by the loop's thread
 * only (the rebalance callbacks run inside its poll); read by status pages.
 */
final class OwnedPartitions {
    private final Map<Integer, PartitionProgress> progress = new ConcurrentHashMap<>();

    PartitionProgress get(int partition) {
        return progress.get(partition);
    }

    void put(int partition, PartitionProgress p) {
        progress.put(partition, p);
    }

    List<Integer> partitions() {
        return List.copyOf(progress.keySet());
    }

    boolean anyJobActive() {
        return progress.values().stream().anyMatch(PartitionProgress::active);
    }

    Map<Integer, PartitionProgress> snapshot() {
        return Map.copyOf(progress);
    }

    void clear() {
        progress.clear();
    }

    /** Assigned partitions bring their job progress along; revoked ones take theirs away. */
    ConsumerRebalanceListener listener(KafkaConsumer<String, byte[]> c) {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                assigned(c, partitions);
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                partitions.forEach(p -> progress.remove(p.partition()));
                if (!partitions.isEmpty()) {
                    Log.infof(
                            "test stream: partitions %s revoked",
                            partitions.stream().map(TopicPartition::partition).sorted().toList());
                }
            }
        };
    }

    /**
     * The job progress of newly assigned partitions, from the metadata of their committed offsets.
     */
    private void assigned(KafkaConsumer<String, byte[]> c, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = c.committed(new HashSet<>(partitions));
        for (TopicPartition p : partitions) {
            OffsetAndMetadata o = committed.get(p);
            progress.put(p.partition(), PartitionProgress.parse(o == null ? null : o.metadata()));
        }
        Log.infof(
                "test stream: partitions %s assigned (jobs done up to %s)",
                partitions.stream().map(TopicPartition::partition).sorted().toList(), progress);
    }

    /**
     * The offsets to commit for the partitions a transaction touched (records polled, or job
     * progress changed): the consumer's position, with the partition's job progress as metadata
     * (partitions no longer owned are left out).
     */
    Map<TopicPartition, OffsetAndMetadata> offsets(
            KafkaConsumer<String, byte[]> c, Set<Integer> changed, Set<TopicPartition> polled) {
        Set<Integer> touched = new HashSet<>(changed);
        polled.forEach(p -> touched.add(p.partition()));
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (int p : touched) {
            PartitionProgress pp = progress.get(p);
            if (pp != null) {
                TopicPartition tp = new TopicPartition(Topics.SAMPLES_TEST, p);
                offsets.put(tp, new OffsetAndMetadata(c.position(tp), pp.encode()));
            }
        }
        return offsets;
    }

    /**
     * After an aborted transaction: the partitions this replica owns go back to their committed
     * offsets and job progress.
     */
    void rewind(KafkaConsumer<String, byte[]> c) {
        Set<TopicPartition> owned = c.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = c.committed(owned);
        for (TopicPartition tp : owned) {
            OffsetAndMetadata o = committed.get(tp);
            if (o != null) {
                c.seek(tp, o.offset());
            } else {
                c.seekToBeginning(List.of(tp));
            }
            progress.put(tp.partition(), PartitionProgress.parse(o == null ? null : o.metadata()));
        }
    }
}
