package mmdigits.inference.messaging;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import mmdigits.common.Topics;
import mmdigits.common.kafka.ConsumerLoop;
import mmdigits.common.kafka.DeadLetters;
import mmdigits.common.kafka.InstanceId;
import mmdigits.common.kafka.KafkaClients;
import mmdigits.common.kafka.Publications;
import mmdigits.common.kafka.SampleDeserializer;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.PartitionRange;
import mmdigits.common.proto.Prediction;
import mmdigits.common.proto.Sample;
import mmdigits.inference.Instance;
import mmdigits.inference.config.InferenceConfig;
import mmdigits.inference.jobs.JobBook;
import mmdigits.inference.jobs.PartitionProgress;
import mmdigits.inference.jobs.ScoringJob;
import mmdigits.inference.model.LoadedModel;
import mmdigits.inference.model.ModelRegistry;
import mmdigits.inference.model.PredictionMetrics;
import mmdigits.inference.model.Scores;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.SerializationException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Scores {@code digits.samples.test} exactly once per (sample, model version), in Kafka
 * transactions: what a poll read is scored, its predictions, embeddings and dead letters are
 * produced, and the consumer group's offsets are committed — all in one transaction ({@code
 * sendOffsetsToTransaction} with the group's metadata), so a {@code read_committed} reader sees the
 * outputs of a record exactly once whatever crashes. Two kinds of work share the loop and the
 * transactions:
 *
 * <ul>
 *   <li>live: records streamed on their own (no publication header: POST /samples, kcat) are scored
 *       by the alias' model as they arrive;
 *   <li>jobs: published test splits are scored by the versions the {@link JobBook} names (the
 *       promoted one, a new model's own dataset, requests), reading the split's offset ranges on
 *       this replica's partitions; each partition's job progress travels in the committed offset's
 *       metadata ({@link PartitionProgress}), so a replica that takes a partition over continues
 *       exactly there.
 * </ul>
 *
 * The group uses static membership and the producer a stable transactional id (both the instance
 * id): a replica that crashed and comes back under its identity takes its partitions back at once
 * and its predecessor's open transaction is aborted; a replica that is stopped leaves the group
 * (not waiting for its session to time out), and the cooperative sticky assignor moves only the
 * partitions that change hands — the other replicas go on scoring through a rebalance. Plain
 * clients, not a SmallRye channel: the offsets go into the producer's transaction with the job
 * progress as their metadata (the connector's {@code KafkaTransactions} commits offsets without
 * metadata), and the job ranges are read by a second consumer that seeks.
 */
@Singleton // not proxied: the consumer loop is a base class without a no-args constructor
public class TestStreamScorer extends ConsumerLoop {
    private final KafkaClients kafka;
    private final InferenceConfig config;
    private final ModelRegistry registry;
    private final InferenceLogs logs;
    private final PredictionMetrics metrics;
    private final Counter deadLetters;
    private final String instanceId;
    private final AtomicLong scored = new AtomicLong();
    private final AtomicLong scoredByJobs = new AtomicLong();
    private final SampleDeserializer decoder = new SampleDeserializer();

    /** Job progress of the partitions this replica owns (the loop's thread only). */
    private final Map<Integer, PartitionProgress> progress = new ConcurrentHashMap<>();

    public TestStreamScorer(
            KafkaClients kafka,
            InferenceConfig config,
            ModelRegistry registry,
            InferenceLogs logs,
            PredictionMetrics metrics,
            MeterRegistry meters,
            @ConfigProperty(name = "mmdigits.instance-id") Optional<String> instanceId,
            @ConfigProperty(name = "quarkus.http.port") int httpPort) {
        super("test-stream");
        this.kafka = kafka;
        this.config = config;
        this.registry = registry;
        this.logs = logs;
        this.metrics = metrics;
        this.instanceId = InstanceId.resolve(instanceId, httpPort);
        this.deadLetters =
                Counter.builder("digits.stream.dead.letters")
                        .description("Test records sent to the dead-letter topic")
                        .register(meters);
    }

    /** Samples scored from the test topic since start (live and jobs, all versions). */
    public long scored() {
        return scored.get();
    }

    /** Of {@link #scored()}, those scored by jobs. */
    public long scoredByJobs() {
        return scoredByJobs.get();
    }

    /** This replica's partitions and their job progress. */
    public Map<Integer, PartitionProgress> progress() {
        return Map.copyOf(progress);
    }

    public String instanceId() {
        return instanceId;
    }

    void onStart(@Observes StartupEvent ignored) {
        if (!config.stream().enabled()) {
            Log.info("test stream scoring disabled (inference.stream.enabled=false)");
            return;
        }
        startThread();
    }

    /** Stops between two transactions and leaves the group, so its partitions move at once. */
    void onShutdown(@Observes ShutdownEvent ignored) throws InterruptedException {
        stop();
        awaitStopped(Duration.ofSeconds(15));
    }

    @Override
    protected boolean leaveGroupOnStop() {
        return true;
    }

    /** Nothing is consumed before the topics were read and the alias has a model. */
    @Override
    protected boolean beforeFirstConsumer() throws InterruptedException {
        while (running() && !logs.awaitCaughtUp(Duration.ofSeconds(1))) {
            Thread.onSpinWait();
        }
        if (registry.served() == null) {
            Log.infof("test stream waits for a model before consuming %s", Topics.SAMPLES_TEST);
        }
        while (running() && registry.served() == null) {
            Thread.sleep(200);
        }
        return running();
    }

    @Override
    protected KafkaConsumer<String, byte[]> createConsumer() {
        Log.infof("test stream: joining group %s as %s", config.stream().groupId(), instanceId);
        return kafka.consumer(
                "mmdigits-inference-test-stream",
                Map.of(
                        ConsumerConfig.GROUP_ID_CONFIG,
                        config.stream().groupId(),
                        // static membership: a restarted replica (same instance id) gets its
                        // partitions back without a rebalance
                        ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
                        instanceId,
                        // a rebalance moves only the partitions that change hands
                        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                        CooperativeStickyAssignor.class.getName(),
                        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                        (int) config.stream().sessionTimeout().toMillis(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        config.stream().maxPollRecords(),
                        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                        8 * 1024 * 1024));
    }

    private KafkaProducer<String, byte[]> transactionalProducer() {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "mmdigits-inference-" + instanceId);
        c.put(
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                (int) config.stream().transactionTimeout().toMillis());
        c.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        c.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        KafkaProducer<String, byte[]> p = kafka.producer("mmdigits-inference-scores", c);
        try {
            p.initTransactions(); // fences an earlier process of this instance and aborts
            // its open transaction
        } catch (RuntimeException e) {
            p.close(Duration.ZERO);
            throw e;
        }
        return p;
    }

    private KafkaConsumer<String, byte[]> jobReader() {
        return kafka.consumer(
                "mmdigits-inference-job-reader",
                Map.of(
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "none",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        config.stream().maxPollRecords(),
                        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                        8 * 1024 * 1024));
    }

    @Override
    protected void consume(KafkaConsumer<String, byte[]> c) throws Exception {
        progress.clear();
        try (KafkaProducer<String, byte[]> producer = transactionalProducer();
                KafkaConsumer<String, byte[]> reader = jobReader();
                Admin admin = kafka.admin(Duration.ofSeconds(30))) {
            c.subscribe(
                    List.of(Topics.SAMPLES_TEST),
                    new ConsumerRebalanceListener() {
                        @Override
                        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                            loadProgress(c, partitions);
                        }

                        @Override
                        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                            partitions.forEach(p -> progress.remove(p.partition()));
                            if (!partitions.isEmpty()) {
                                Log.infof(
                                        "test stream: partitions %s revoked",
                                        partitions.stream()
                                                .map(TopicPartition::partition)
                                                .sorted()
                                                .toList());
                            }
                        }
                    });
            JobReader jobs = new JobReader(reader);
            long nextPrune = 0;
            Throughput log = new Throughput();
            while (running()) {
                if (System.nanoTime() > nextPrune) {
                    dropJobsDoneEverywhere(admin);
                    nextPrune = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                }
                ConsumerRecords<String, byte[]> records =
                        c.poll(Duration.ofMillis(jobs.busy() ? 10 : 300));
                Batch batch = new Batch();
                scoreLive(records, batch);
                jobs.step(batch);
                if (!records.isEmpty() || !batch.changed.isEmpty()) {
                    if (commit(producer, c, batch, records.partitions())) {
                        scored.addAndGet(batch.scored);
                        scoredByJobs.addAndGet(batch.scoredByJobs);
                    } else {
                        rewind(c, jobs);
                    }
                }
                log.maybeLog();
            }
        }
    }

    /**
     * The job progress of newly assigned partitions, from the metadata of their committed offsets.
     */
    private void loadProgress(
            KafkaConsumer<String, byte[]> c, Collection<TopicPartition> partitions) {
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
     * Commits the batch's outputs and the offsets (with the job progress) of the partitions it
     * touched, in one transaction; false when a rebalance of the group came in between (the
     * transaction is aborted: the partitions this replica still owns are scored again from what is
     * committed, the others by their new owner). Anything else throws: the loop starts over from
     * what is committed.
     */
    private boolean commit(
            KafkaProducer<String, byte[]> producer,
            KafkaConsumer<String, byte[]> c,
            Batch batch,
            Set<TopicPartition> polled) {
        producer.beginTransaction();
        for (ProducerRecord<String, byte[]> r : batch.out) {
            producer.send(r);
        }
        Set<Integer> touched = new HashSet<>(batch.changed);
        polled.forEach(p -> touched.add(p.partition()));
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (int p : touched) {
            PartitionProgress pp = progress.get(p);
            if (pp != null) {
                TopicPartition tp = new TopicPartition(Topics.SAMPLES_TEST, p);
                offsets.put(tp, new OffsetAndMetadata(c.position(tp), pp.encode()));
            }
        }
        try {
            if (!offsets.isEmpty()) {
                producer.sendOffsetsToTransaction(offsets, c.groupMetadata());
            }
            producer.commitTransaction();
            return true;
        } catch (CommitFailedException | RebalanceInProgressException e) {
            producer.abortTransaction();
            Log.infof(
                    "test stream: the group rebalanced during a transaction (%s): aborted, on from the committed offsets",
                    e.getMessage());
            return false;
        }
    }

    /**
     * After an aborted transaction: the partitions this replica owns go back to their committed
     * offsets and job progress.
     */
    private void rewind(KafkaConsumer<String, byte[]> c, JobReader jobs) {
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
        jobs.forgetPositions();
    }

    /**
     * Live records (no publication) → the alias' model; published records are the jobs' (skipped
     * here).
     */
    private void scoreLive(ConsumerRecords<String, byte[]> records, Batch batch) throws Exception {
        List<Sample> samples = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            if (Publications.of(r.headers()) == null) {
                decode(r, batch).ifPresent(samples::add);
            }
        }
        if (samples.isEmpty()) {
            return;
        }
        LoadedModel model = registry.acquire();
        try {
            score(model, samples, batch);
        } finally {
            model.release();
        }
    }

    private Optional<Sample> decode(ConsumerRecord<String, byte[]> r, Batch batch) {
        try {
            Sample s = decoder.deserialize(r.topic(), r.headers(), r.value());
            if (s == null) {
                throw new SerializationException("empty record (no value) on " + r.topic());
            }
            return Optional.of(s);
        } catch (SerializationException e) {
            batch.out.add(DeadLetters.of(r, e));
            deadLetters.increment();
            Log.warnf(
                    "dead-lettered %s partition %d offset %d: %s",
                    r.topic(), r.partition(), r.offset(), e.getMessage());
            return Optional.empty();
        }
    }

    /** One prediction and one embedding per sample, keyed by sample id, into the batch. */
    private void score(LoadedModel model, List<Sample> samples, Batch batch) throws Exception {
        int max = Math.max(1, config.batch().maxSize());
        long now = System.currentTimeMillis();
        for (int from = 0; from < samples.size(); from += max) {
            List<Sample> chunk = samples.subList(from, Math.min(samples.size(), from + max));
            List<Instance> instances = new ArrayList<>(chunk.size());
            chunk.forEach(s -> instances.add(Instance.of(s)));
            Scores scores = ModelRegistry.score(model, instances);
            metrics.record(PredictionMetrics.Source.STREAM, scores);
            for (int i = 0; i < chunk.size(); i++) {
                Sample s = chunk.get(i);
                batch.out.add(
                        new ProducerRecord<>(
                                Topics.PREDICTIONS,
                                s.getId(),
                                prediction(s, scores, i, now).toByteArray()));
                batch.out.add(
                        new ProducerRecord<>(
                                Topics.EMBEDDINGS,
                                s.getId(),
                                embedding(s, scores, i, now).toByteArray()));
            }
        }
        batch.scored += samples.size();
    }

    private static Prediction prediction(Sample s, Scores scores, int i, long now) {
        Prediction.Builder p =
                Prediction.newBuilder()
                        .setSampleId(s.getId())
                        .setDataset(s.getDataset())
                        .setRowId(s.getRowId())
                        .setLabel(scores.label(i))
                        .setModelVersion(scores.modelVersion())
                        .setScoredAtMs(now);
        for (float v : scores.probabilities(i)) {
            p.addProbabilities(v);
        }
        return p.build();
    }

    private static Embedding embedding(Sample s, Scores scores, int i, long now) {
        Embedding.Builder e =
                Embedding.newBuilder()
                        .setSampleId(s.getId())
                        .setDataset(s.getDataset())
                        .setRowId(s.getRowId())
                        .setPredictedLabel(scores.label(i))
                        .setModelVersion(scores.modelVersion())
                        .setScoredAtMs(now);
        if (s.hasLabel()) {
            e.setTrueLabel(s.getLabel());
        }
        for (float v : scores.embedding(i)) {
            e.addVector(v);
        }
        return e.build();
    }

    /**
     * Forgets the jobs that every partition's committed progress has passed (read from the group's
     * offsets).
     */
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

    /**
     * What one iteration produces: output records, the partitions whose job progress changed,
     * counts.
     */
    private static final class Batch {
        final List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        final Set<Integer> changed = new HashSet<>();
        long scored;
        long scoredByJobs;
    }

    /**
     * Works off the jobs on this replica's partitions, one job at a time per partition in job
     * order: reads the job's range with a consumer of its own (seeking), keeps the records of its
     * publication, scores them with the job's version.
     */
    private final class JobReader {
        private final KafkaConsumer<String, byte[]> reader;
        private final Map<Integer, Long> readerAt = new HashMap<>();
        private final Set<Long> reportedGone = new HashSet<>();

        JobReader(KafkaConsumer<String, byte[]> reader) {
            this.reader = reader;
        }

        /** The reader seeks again before its next read (the progress went back). */
        void forgetPositions() {
            readerAt.clear();
        }

        boolean busy() {
            return progress.values().stream().anyMatch(PartitionProgress::active);
        }

        void step(Batch batch) throws Exception {
            Map<Integer, ScoringJob> active = new HashMap<>();
            for (int p : List.copyOf(progress.keySet())) {
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
        private ScoringJob activeJob(int p, Batch batch) {
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
                    job.historical()
                            || System.nanoTime() - job.createdNanos()
                                    > config.stream().jobModelWait().toNanos();
            ModelRegistry.Availability a =
                    registry.availability(job.name(), job.version(), givenUp);
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
                int p, ScoringJob job, List<ConsumerRecord<String, byte[]>> records, Batch batch)
                throws Exception {
            PartitionProgress pp = progress.get(p);
            PartitionRange range = job.range(p);
            List<Sample> samples = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> r : records) {
                if (r.offset() >= pp.activeOffset()
                        && r.offset() <= range.getLastOffset()
                        && job.publication().id().equals(Publications.of(r.headers()))) {
                    decode(r, batch).ifPresent(samples::add);
                }
            }
            long next = reader.position(new TopicPartition(Topics.SAMPLES_TEST, p));
            readerAt.put(p, next);
            if (next == pp.activeOffset() && samples.isEmpty()) {
                return; // nothing fetched yet
            }
            if (!samples.isEmpty()) {
                LoadedModel model = registry.acquire(job.name(), job.version());
                try {
                    score(model, samples, batch);
                } finally {
                    model.release();
                }
                batch.scoredByJobs += samples.size();
            }
            PartitionProgress updated = next > range.getLastOffset() ? pp.done() : pp.advance(next);
            if (updated.activeSeq() < 0) {
                Log.infof("partition %d: %s done", p, job.describe());
            }
            progress.put(p, updated);
            batch.changed.add(p);
        }
    }

    /** A progress line every few seconds while samples are being scored. */
    private final class Throughput {
        private long last = System.nanoTime();
        private long lastCount = scored.get();

        void maybeLog() {
            long now = System.nanoTime();
            if (now - last < 5_000_000_000L) {
                return;
            }
            long count = scored.get();
            if (count != lastCount) {
                Log.infof(
                        "scored %,d test samples (%,.0f/s; %,d by jobs), model '%s' serves %s",
                        count,
                        (count - lastCount) / ((now - last) / 1e9),
                        scoredByJobs.get(),
                        registry.alias(),
                        registry.served() == null ? "nothing" : registry.served().key());
            }
            last = now;
            lastCount = count;
        }
    }
}
