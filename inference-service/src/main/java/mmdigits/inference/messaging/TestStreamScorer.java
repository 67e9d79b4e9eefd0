package mmdigits.inference.messaging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import mmdigits.common.Topics;
import mmdigits.common.kafka.ConsumerLoop;
import mmdigits.common.kafka.Consumers;
import mmdigits.common.kafka.DeadLetters;
import mmdigits.common.kafka.SampleDeserializer;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.Prediction;
import mmdigits.common.proto.Sample;
import mmdigits.inference.Instance;
import mmdigits.inference.config.InferenceConfig;
import mmdigits.inference.model.LoadedModel;
import mmdigits.inference.model.ModelRegistry;
import mmdigits.inference.model.PredictionMetrics;
import mmdigits.inference.model.Scores;

/**
 * Scores {@code digits.samples.test} ({@code read_committed}, consumer group shared by the replicas):
 * one {@link Prediction} and one {@link Embedding} per sample, keyed by sample id. At-least-once:
 * offsets are committed after the outputs are acknowledged, with the model version as the commit's
 * metadata. When the model version differs from the one a partition was committed with, the
 * partition is scored again from its start (unless {@code inference.stream.rescore-on-new-model=false}),
 * so the outputs for one version always cover the whole test split. Nothing is consumed before a
 * model is loaded. Records that cannot be decoded go to the dead-letter topic with the reason.
 */
@Singleton // not proxied: the consumer loop is a base class without a no-args constructor
public class TestStreamScorer extends ConsumerLoop {
    private final String bootstrapServers;
    private final InferenceConfig config;
    private final ModelRegistry registry;
    private final PredictionMetrics metrics;
    private final Counter deadLetters;
    private final AtomicLong scored = new AtomicLong();
    private String alignedVersion;
    private String pollVersion;

    public TestStreamScorer(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers, InferenceConfig config,
            ModelRegistry registry, PredictionMetrics metrics, MeterRegistry meters) {
        super("test-stream");
        this.bootstrapServers = bootstrapServers;
        this.config = config;
        this.registry = registry;
        this.metrics = metrics;
        this.deadLetters = Counter.builder("digits.stream.dead.letters").description("Test records sent to the dead-letter topic")
                .register(meters);
    }

    /** Samples scored from the stream since start (all versions). */
    public long scored() {
        return scored.get();
    }

    void onStart(@Observes StartupEvent ignored) {
        if (!config.stream().enabled()) {
            Log.info("test stream scoring disabled (inference.stream.enabled=false)");
            return;
        }
        startThread();
    }

    void onShutdown(@Observes ShutdownEvent ignored) {
        stop();
    }

    /** Nothing is consumed before a model is loaded. */
    @Override
    protected boolean beforeFirstConsumer() throws InterruptedException {
        if (registry.current() == null) {
            Log.infof("test stream waits for a model before consuming %s", Topics.SAMPLES_TEST);
        }
        while (running() && registry.current() == null) {
            Thread.sleep(200);
        }
        return running();
    }

    @Override
    protected void consume(KafkaConsumer<String, byte[]> c) throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer()) {
            alignedVersion = null;
            c.subscribe(List.of(Topics.SAMPLES_TEST), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    align(c, partitions, pollVersion);
                }
            });
            loop(c, producer);
        }
    }

    @Override
    protected KafkaConsumer<String, byte[]> createConsumer() {
        return Consumers.readCommitted(bootstrapServers, "mmdigits-inference-test-stream", Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, config.stream().groupId(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.stream().maxPollRecords(),
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024));
    }

    private KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, "mmdigits-inference-scores",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"),
                new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Partitions last committed under another model version start again from the beginning (the
     * new version must score the whole split); the others continue from their committed offset.
     */
    private void align(KafkaConsumer<String, byte[]> c, Collection<TopicPartition> partitions, String version) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = c.committed(new java.util.HashSet<>(partitions));
        List<TopicPartition> rewind = new ArrayList<>();
        for (TopicPartition p : partitions) {
            OffsetAndMetadata o = committed.get(p);
            if (o != null && !version.equals(o.metadata()) && config.stream().rescoreOnNewModel()) {
                rewind.add(p);
            }
        }
        if (!rewind.isEmpty()) {
            Log.infof("model %s: scoring %s partitions %s again from the start", version, Topics.SAMPLES_TEST,
                    rewind.stream().map(TopicPartition::partition).toList());
            c.seekToBeginning(rewind);
        }
    }

    private void loop(KafkaConsumer<String, byte[]> c, KafkaProducer<String, byte[]> producer) throws Exception {
        SampleDeserializer decoder = new SampleDeserializer();
        long lastLog = System.nanoTime();
        long lastCount = scored.get();
        while (running()) {
            // the model of this poll: its version decides where partitions (re)start, even those assigned during the poll
            LoadedModel model = registry.acquire();
            String version = model.version();
            try {
                pollVersion = version;
                if (!version.equals(alignedVersion)) {
                    align(c, c.assignment(), version);
                    alignedVersion = version;
                }
                ConsumerRecords<String, byte[]> records = c.poll(Duration.ofMillis(500));
                if (records.isEmpty()) {
                    continue;
                }
                process(records, decoder, model, producer);
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (TopicPartition p : records.partitions()) {
                    List<ConsumerRecord<String, byte[]>> rs = records.records(p);
                    offsets.put(p, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1, version));
                }
                c.commitSync(offsets);
            } finally {
                model.release();
            }
            if (System.nanoTime() - lastLog > 5_000_000_000L) {
                long now = scored.get();
                Log.infof("scored %,d test samples (%,.0f/s), model %s", now, (now - lastCount) / ((System.nanoTime() - lastLog) / 1e9),
                        version);
                lastLog = System.nanoTime();
                lastCount = now;
            }
        }
    }

    /** Scores a poll's records and waits until every output is acknowledged (else throws: nothing is committed). */
    private void process(ConsumerRecords<String, byte[]> records, SampleDeserializer decoder, LoadedModel model,
            KafkaProducer<String, byte[]> producer) throws Exception {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        List<Sample> samples = new ArrayList<>(records.count());
        for (ConsumerRecord<String, byte[]> r : records) {
            Sample s;
            try {
                s = decoder.deserialize(r.topic(), r.headers(), r.value());
                if (s == null) {
                    throw new SerializationException("empty record (no value) on " + r.topic());
                }
            } catch (SerializationException e) {
                sends.add(producer.send(DeadLetters.of(r, e.getMessage())));
                deadLetters.increment();
                Log.warnf("dead-lettered %s partition %d offset %d: %s", r.topic(), r.partition(), r.offset(), e.getMessage());
                continue;
            }
            samples.add(s);
        }
        int max = Math.max(1, config.batch().maxSize());
        long now = System.currentTimeMillis();
        for (int from = 0; from < samples.size(); from += max) {
            List<Sample> chunk = samples.subList(from, Math.min(samples.size(), from + max));
            List<Instance> instances = new ArrayList<>(chunk.size());
            for (Sample s : chunk) {
                instances.add(new Instance(s.getImageCount() == 0 ? null : toArray(s.getImageList()),
                        s.getAudioCount() == 0 ? null : toArray(s.getAudioList())));
            }
            Scores scores = ModelRegistry.score(model, instances);
            metrics.record(PredictionMetrics.Source.STREAM, scores);
            for (int i = 0; i < chunk.size(); i++) {
                Sample s = chunk.get(i);
                int label = scores.label(i);
                Prediction.Builder p = Prediction.newBuilder().setSampleId(s.getId()).setDataset(s.getDataset()).setRowId(s.getRowId())
                        .setLabel(label).setModelVersion(scores.modelVersion()).setScoredAtMs(now);
                for (float v : scores.probabilities(i)) {
                    p.addProbabilities(v);
                }
                Embedding.Builder e = Embedding.newBuilder().setSampleId(s.getId()).setDataset(s.getDataset()).setRowId(s.getRowId())
                        .setPredictedLabel(label).setModelVersion(scores.modelVersion()).setScoredAtMs(now);
                if (s.hasLabel()) {
                    e.setTrueLabel(s.getLabel());
                }
                for (float v : scores.embedding(i)) {
                    e.addVector(v);
                }
                sends.add(producer.send(new ProducerRecord<>(Topics.PREDICTIONS, s.getId(), p.build().toByteArray())));
                sends.add(producer.send(new ProducerRecord<>(Topics.EMBEDDINGS, s.getId(), e.build().toByteArray())));
            }
        }
        producer.flush();
        for (Future<RecordMetadata> f : sends) {
            f.get(30, TimeUnit.SECONDS);
        }
        scored.addAndGet(samples.size());
    }

    private static float[] toArray(List<Float> values) {
        float[] a = new float[values.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = values.get(i);
        }
        return a;
    }
}
