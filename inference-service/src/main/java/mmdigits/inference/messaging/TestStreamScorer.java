package mmdigits.inference.messaging;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import mmdigits.common.Topics;
import mmdigits.common.kafka.ConsumerLoop;
import mmdigits.common.kafka.InstanceId;
import mmdigits.common.kafka.KafkaClients;
import mmdigits.common.kafka.Publications;
import mmdigits.common.tracing.KafkaTracing;
import mmdigits.inference.config.InferenceConfig;
import mmdigits.inference.jobs.JobBook;
import mmdigits.inference.jobs.PartitionProgress;
import mmdigits.inference.model.ModelRegistry;
import mmdigits.inference.scoring.Scorer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
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
 * While the alias has a candidate whose version is loaded, it takes part in the same transactions:
 * a canary scores the streamed samples in its buckets instead of the target; a shadow scores every
 * sample the target scores (streamed, and the jobs of the target's version), one prediction marked
 * shadow each — exactly once per sample like the target's, since it is produced and committed with
 * it ({@link Scorer#outputRecords}).
 *
 * <p>The group uses static membership and the producer a stable transactional id (both the instance
 * id): a replica that crashed and comes back under its identity takes its partitions back at once
 * and its predecessor's open transaction is aborted; a replica that is stopped leaves the group
 * (not waiting for its session to time out), and the cooperative sticky assignor moves only the
 * partitions that change hands — the other replicas go on scoring through a rebalance. Plain
 * clients, not a SmallRye channel: the offsets go into the producer's transaction with the job
 * progress as their metadata (the connector's {@code KafkaTransactions} commits offsets without
 * metadata), and the job ranges are read by a second consumer that seeks. Each sample's scoring is
 * a span of the trace its record carries, passed on in its outputs ({@link ScoringTraces}).
 */
@Singleton // not proxied: the consumer loop is a base class without a no-args constructor
public class TestStreamScorer extends ConsumerLoop {
    private final InferenceConfig config;
    private final ModelRegistry registry;
    private final InferenceLogs logs;
    private final Scorer scorer;
    private final DeadLetteringDecoder decoder;
    private final PublishToPrediction latency;
    private final StreamOutcomes outcomes;
    private final StreamClients clients;
    private final String instanceId;
    private final AtomicLong scored = new AtomicLong();
    private final AtomicLong scoredByJobs = new AtomicLong();
    private final OwnedPartitions progress = new OwnedPartitions();
    private final ScoringTraces traces;

    public TestStreamScorer(
            KafkaClients kafka,
            InferenceConfig config,
            ModelRegistry registry,
            InferenceLogs logs,
            Scorer scorer,
            MeterRegistry meters,
            KafkaTracing tracing,
            @ConfigProperty(name = "mmdigits.instance-id") Optional<String> instanceId,
            @ConfigProperty(name = "quarkus.http.port") int httpPort) {
        super("test-stream");
        this.config = config;
        this.registry = registry;
        this.logs = logs;
        this.scorer = scorer;
        this.decoder = new DeadLetteringDecoder(meters);
        this.latency = new PublishToPrediction(meters);
        this.outcomes = new StreamOutcomes(meters);
        this.instanceId = InstanceId.resolve(instanceId, httpPort);
        this.clients = new StreamClients(kafka, config, this.instanceId);
        this.traces = new ScoringTraces(tracing);
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
        return progress.snapshot();
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
        return clients.groupConsumer();
    }

    /**
     * Per iteration: live records and a step of the jobs are scored into one batch, which is
     * committed with the offsets (or, when a rebalance aborted it, rewound and scored again).
     */
    @Override
    protected void consume(KafkaConsumer<String, byte[]> c) throws Exception {
        progress.clear();
        try (KafkaProducer<String, byte[]> producer = clients.transactionalProducer();
                KafkaConsumer<String, byte[]> reader = clients.jobReader();
                Admin admin = clients.admin()) {
            c.subscribe(List.of(Topics.SAMPLES_TEST), progress.listener(c));
            JobReader jobs =
                    new JobReader(
                            reader,
                            progress,
                            logs,
                            registry,
                            scorer,
                            decoder,
                            traces,
                            config.stream().jobModelWait());
            DoneJobsPruner pruner = new DoneJobsPruner(config, logs, registry);
            Throughput log = new Throughput(registry, scored, scoredByJobs);
            while (running()) {
                pruner.maybePrune(admin);
                ConsumerRecords<String, byte[]> records =
                        c.poll(Duration.ofMillis(jobs.busy() ? 10 : 300));
                StreamBatch batch = new StreamBatch();
                scoreLive(records, batch);
                jobs.step(batch);
                if (!records.isEmpty() || !batch.changed.isEmpty()) {
                    if (commit(producer, c, batch, records.partitions())) {
                        latency.committed(batch, System.currentTimeMillis());
                        outcomes.committed(batch);
                        scored.addAndGet(batch.scored);
                        scoredByJobs.addAndGet(batch.scoredByJobs);
                    } else {
                        progress.rewind(c);
                        jobs.forgetPositions();
                    }
                }
                log.maybeLog();
            }
        }
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
            StreamBatch batch,
            Set<TopicPartition> polled) {
        producer.beginTransaction();
        for (ProducerRecord<String, byte[]> r : batch.out) {
            producer.send(r);
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = progress.offsets(c, batch.changed, polled);
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
     * Live records (no publication) → the alias' model; published records are the jobs' (skipped
     * here).
     */
    private void scoreLive(ConsumerRecords<String, byte[]> records, StreamBatch batch)
            throws Exception {
        List<ConsumerRecord<String, byte[]>> live = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            if (Publications.of(r.headers()) == null) {
                live.add(r);
            }
        }
        decoder.scoreDecodable(
                live, PublishToPrediction.Work.STREAM, null, null, traces.live(), scorer, batch);
    }
}
