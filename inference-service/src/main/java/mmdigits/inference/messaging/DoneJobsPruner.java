package mmdigits.inference.messaging;

import io.quarkus.logging.Log;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mmdigits.common.Topics;
import mmdigits.inference.config.InferenceConfig;
import mmdigits.inference.jobs.PartitionProgress;
import mmdigits.inference.model.ModelRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Forgets the jobs that every partition's committed progress has passed, read from the group's
 * offsets (every replica's, not only this one's), every 30 s: the job book stays bounded and the
 * versions only those jobs needed can be unloaded.
 */
final class DoneJobsPruner {
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final InferenceConfig config;
    private final InferenceLogs logs;
    private final ModelRegistry registry;
    private long next;

    DoneJobsPruner(InferenceConfig config, InferenceLogs logs, ModelRegistry registry) {
        this.config = config;
        this.logs = logs;
        this.registry = registry;
    }

    void maybePrune(Admin admin) {
        if (System.nanoTime() > next) {
            dropJobsDoneEverywhere(admin);
            next = System.nanoTime() + INTERVAL_NANOS;
        }
    }

    private void dropJobsDoneEverywhere(Admin admin) {
        try {
            int partitions =
                    Topics.ALL.stream()
                            .filter(s -> s.name().equals(Topics.SAMPLES_TEST))
                            .findFirst()
                            .orElseThrow()
                            .partitions();
            Map<TopicPartition, OffsetAndMetadata> all =
                    admin.listConsumerGroupOffsets(config.stream().groupId())
                            .partitionsToOffsetAndMetadata()
                            .get(10, TimeUnit.SECONDS);
            long min = Long.MAX_VALUE;
            for (int p = 0; p < partitions; p++) {
                OffsetAndMetadata o = all.get(new TopicPartition(Topics.SAMPLES_TEST, p));
                PartitionProgress pp = PartitionProgress.parse(o == null ? null : o.metadata());
                min = Math.min(min, pp.doneSeq());
            }
            if (min >= 0) {
                logs.jobs().dropDone(min);
                registry.changed();
            }
        } catch (Exception e) {
            Log.debugf("could not read the group's job progress: %s", e.getMessage());
        }
    }
}
