package mmdigits.inference.messaging;

import io.quarkus.logging.Log;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import mmdigits.common.Topics;
import mmdigits.common.kafka.Publications;
import mmdigits.common.proto.PartitionRange;
import mmdigits.inference.jobs.PartitionProgress;
import mmdigits.inference.jobs.ScoringJob;
import mmdigits.inference.model.ModelRegistry;
import mmdigits.inference.scoring.Scorer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;

/**
 * Works off the jobs on this replica's partitions, one job at a time per partition in job order:
 * reads the job's range with a consumer of its own (seeking), keeps the records of its publication,
 * scores them with the job's version.
 */
final class JobReader {
    private final KafkaConsumer<String, byte[]> reader;
    private final OwnedPartitions progress;
    private final InferenceLogs logs;
    private final ModelRegistry registry;
    private final Scorer scorer;
    private final DeadLetteringDecoder decoder;
    private final ScoringTraces traces;
    private final Duration jobModelWait;
    private final Map<Integer, Long> readerAt = new HashMap<>();
    private final Set<Long> reportedGone = new HashSet<>();

    /** {@code progress}: shared with the loop that commits it (one thread). */
    JobReader(
            KafkaConsumer<String, byte[]> reader,
            OwnedPartitions progress,
            InferenceLogs logs,
            ModelRegistry registry,
            Scorer scorer,
            DeadLetteringDecoder decoder,
            ScoringTraces traces,
            Duration jobModelWait) {
        this.reader = reader;
        this.progress = progress;
        this.logs = logs;
        this.registry = registry;
        this.scorer = scorer;
        this.decoder = decoder;
        this.traces = traces;
        this.jobModelWait = jobModelWait;
    }

    /** The reader seeks again before its next read (the progress went back). */
    void forgetPositions() {
        readerAt.clear();
    }

    boolean busy() {
        return progress.anyJobActive();
    }

    void step(StreamBatch batch) throws Exception {
        Map<Integer, ScoringJob> active = new HashMap<>();
        for (int p : progress.partitions()) {
            ScoringJob job = activeJob(p, batch);
            if (job != null) {
                active.put(p, job);
            }
        }
        if (active.isEmpty()) {
            return;
        }
        position(active);
        ConsumerRecords<String, byte[]> records;
        try {
            records = reader.poll(Duration.ofMillis(20));
        } catch (OffsetOutOfRangeException e) {
            for (TopicPartition tp : e.partitions()) {
                Log.warnf(
                        "partition %d: the records of %s are gone from the topic (deleted): job skipped there",
                        tp.partition(), active.get(tp.partition()).describe());
                progress.put(tp.partition(), progress.get(tp.partition()).done());
                batch.changed.add(tp.partition());
                readerAt.remove(tp.partition());
            }
            return;
        }
        for (Map.Entry<Integer, ScoringJob> e : active.entrySet()) {
            consumeRange(
                    e.getKey(),
                    e.getValue(),
                    records.records(new TopicPartition(Topics.SAMPLES_TEST, e.getKey())),
                    batch);
        }
    }

    /**
     * The partition's job in progress, starting the next one when none is; null when there is
     * nothing to do now.
     */
    private ScoringJob activeJob(int p, StreamBatch batch) {
        PartitionProgress pp = progress.get(p);
        if (!pp.active()) {
            long done = pp.doneSeq();
            ScoringJob next = null;
            for (ScoringJob job : logs.jobs().after(pp.doneSeq())) {
                PartitionRange range = job.range(p);
                if (range == null || range.getCount() == 0) {
                    done = job.seq();
                    continue;
                }
                ModelRegistry.Availability a = availability(job);
                if (a == ModelRegistry.Availability.GONE) {
                    done = job.seq();
                    continue;
                }
                next = a == ModelRegistry.Availability.LOADED ? job : null;
                break;
            }
            PartitionProgress updated = new PartitionProgress(done, -1, -1);
            if (next != null) {
                updated = updated.start(next, next.range(p).getFirstOffset());
            }
            if (!updated.equals(pp)) {
                progress.put(p, updated);
                batch.changed.add(p);
            }
            return next;
        }
        ScoringJob job = logs.jobs().get(pp.activeSeq());
        if (job == null) {
            return null; // not derived here yet (this replica's event log is behind): wait for
            // it
        }
        ModelRegistry.Availability a = availability(job);
        if (a == ModelRegistry.Availability.GONE) {
            progress.put(p, pp.done());
            batch.changed.add(p);
            return null;
        }
        return a == ModelRegistry.Availability.LOADED ? job : null;
    }

    private ModelRegistry.Availability availability(ScoringJob job) {
        boolean givenUp =
                job.historical() || System.nanoTime() - job.createdNanos() > jobModelWait.toNanos();
        ModelRegistry.Availability a = registry.availability(job.name(), job.version(), givenUp);
        if (a == ModelRegistry.Availability.GONE && reportedGone.add(job.seq())) {
            Log.warnf(
                    "skipping %s: the version is not available (removed, or not loadable)",
                    job.describe());
        }
        return a;
    }

    /** Assigns the reader to the active partitions and seeks each to its job's next offset. */
    private void position(Map<Integer, ScoringJob> active) {
        Set<TopicPartition> wanted = new HashSet<>();
        active.keySet().forEach(p -> wanted.add(new TopicPartition(Topics.SAMPLES_TEST, p)));
        if (!wanted.equals(reader.assignment())) {
            reader.assign(wanted);
            readerAt.keySet().retainAll(active.keySet());
        }
        for (int p : active.keySet()) {
            long at = progress.get(p).activeOffset();
            if (readerAt.getOrDefault(p, -1L) != at) {
                reader.seek(new TopicPartition(Topics.SAMPLES_TEST, p), at);
                readerAt.put(p, at);
            }
        }
    }

    /**
     * Scores the job's records among those read, and moves its progress (done past the range's
     * end).
     */
    private void consumeRange(
            int p, ScoringJob job, List<ConsumerRecord<String, byte[]>> records, StreamBatch batch)
            throws Exception {
        PartitionProgress pp = progress.get(p);
        PartitionRange range = job.range(p);
        List<ConsumerRecord<String, byte[]>> ours = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            if (r.offset() >= pp.activeOffset()
                    && r.offset() <= range.getLastOffset()
                    && job.publication().id().equals(Publications.of(r.headers()))) {
                ours.add(r);
            }
        }
        long next = reader.position(new TopicPartition(Topics.SAMPLES_TEST, p));
        readerAt.put(p, next);
        if (next == pp.activeOffset() && ours.isEmpty()) {
            return; // nothing fetched yet
        }
        decoder.scoreDecodable(
                ours,
                PublishToPrediction.Work.JOB,
                job.name(),
                job.version(),
                traces.job(),
                scorer,
                batch);
        PartitionProgress updated = next > range.getLastOffset() ? pp.done() : pp.advance(next);
        if (updated.activeSeq() < 0) {
            Log.infof("partition %d: %s done", p, job.describe());
        }
        progress.put(p, updated);
        batch.changed.add(p);
    }
}
