package mmdigits.inference.scoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mmdigits.common.Topics;
import mmdigits.common.events.Promotions;
import mmdigits.common.kafka.KafkaClients;
import mmdigits.common.proto.Prediction;
import mmdigits.common.proto.Sample;
import mmdigits.inference.Instance;
import mmdigits.inference.config.InferenceConfig;
import mmdigits.inference.model.LoadedModel;
import mmdigits.inference.model.ModelRegistry;
import mmdigits.inference.model.Scores;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The HTTP copy for the alias' shadow: the instances of each request the alias' target answered are
 * scored again, later, on a thread of their own, by a loaded {@code SHADOW} candidate; its
 * predictions go to {@code digits.predictions} marked {@code shadow}, with the version that
 * answered as {@code served_version}, sample id {@code http/<request id or a new uuid>/<row>},
 * dataset {@code http}, through an idempotent producer. A copy never delays or fails a request: the
 * queue holds at most {@code inference.shadow-copy.max-queued} samples and drops what would go past
 * it; each sample is counted by outcome ({@code mmdigits_inference_shadow_copies_total}). The
 * shadow answers nobody.
 */
@ApplicationScoped
public class ShadowCopy {
    /** The dataset of the shadow's predictions of HTTP requests. */
    public static final String DATASET = "http";

    /**
     * One request's instances, the id its sample ids are made of, and the version that answered.
     */
    private record Copy(List<Instance> instances, String requestId, String servedVersion) {}

    private final ModelRegistry registry;
    private final KafkaClients kafka;
    private final int maxQueued;
    private final int maxBatch;
    private final LinkedBlockingQueue<Copy> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger queuedSamples = new AtomicInteger();
    private final Counter sent;
    private final Counter dropped;
    private final Counter failed;
    private KafkaProducer<String, byte[]> producer;
    private Thread worker;
    private volatile boolean running = true;

    public ShadowCopy(
            ModelRegistry registry,
            KafkaClients kafka,
            InferenceConfig config,
            MeterRegistry meters) {
        this.registry = registry;
        this.kafka = kafka;
        this.maxQueued = Math.max(1, config.shadowCopy().maxQueued());
        this.maxBatch = Math.max(1, config.batch().maxSize());
        this.sent = counter(meters, "sent");
        this.dropped = counter(meters, "dropped");
        this.failed = counter(meters, "failed");
    }

    private static Counter counter(MeterRegistry meters, String outcome) {
        return Counter.builder("mmdigits.inference.shadow.copies")
                .description(
                        "Samples of HTTP requests copied to the alias' shadow: sent as shadow predictions, dropped (queue full, or the shadow ended first) or failed")
                .tag("outcome", outcome)
                .register(meters);
    }

    /**
     * Queues a copy of an answered alias request when the alias has a loaded shadow; returns at
     * once.
     */
    public void offer(List<Instance> instances, String requestId, String servedVersion) {
        if (registry.candidate().filter(Promotions.Candidate::shadow).isEmpty()) {
            return;
        }
        int n = instances.size();
        if (queuedSamples.addAndGet(n) > maxQueued) {
            queuedSamples.addAndGet(-n);
            dropped.increment(n);
            return;
        }
        String id =
                requestId == null || requestId.isEmpty() ? UUID.randomUUID().toString() : requestId;
        startWorker();
        queue.add(new Copy(instances, id, servedVersion));
    }

    private synchronized void startWorker() {
        if (worker == null && running) {
            worker = new Thread(this::work, "shadow-copy");
            worker.setDaemon(true);
            worker.start();
        }
    }

    private void work() {
        while (running) {
            List<Copy> copies = new ArrayList<>();
            try {
                Copy first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                copies.add(first);
                drainUpToBatch(copies, first.instances().size());
                score(copies);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                int n = copies.stream().mapToInt(c -> c.instances().size()).sum();
                failed.increment(n);
                Log.warnf(e, "shadow copy: %d samples not scored", n);
            } finally {
                copies.forEach(c -> queuedSamples.addAndGet(-c.instances().size()));
            }
        }
    }

    /** Takes queued copies behind the first while they fit in one model call. */
    private void drainUpToBatch(List<Copy> copies, int size) {
        Copy next;
        while ((next = queue.peek()) != null && size + next.instances().size() <= maxBatch) {
            copies.add(queue.poll());
            size += next.instances().size();
        }
    }

    /** Scores copies in one call of the shadow's model and sends its predictions. */
    private void score(List<Copy> copies) throws Exception {
        LoadedModel shadow = registry.acquireCandidate();
        if (shadow == null || !isShadow(shadow)) {
            if (shadow != null) {
                shadow.release();
            }
            dropped.increment(copies.stream().mapToInt(c -> c.instances().size()).sum());
            return;
        }
        try {
            List<Instance> all = new ArrayList<>();
            copies.forEach(c -> all.addAll(c.instances()));
            Scores scores = shadow.score(all);
            long now = System.currentTimeMillis();
            int from = 0;
            for (Copy c : copies) {
                send(c, scores.slice(from, c.instances().size()), now);
                from += c.instances().size();
            }
        } finally {
            shadow.release();
        }
    }

    /** Whether the held candidate is (still) the alias' shadow. */
    private boolean isShadow(LoadedModel m) {
        return registry.candidate()
                .filter(
                        c ->
                                c.shadow()
                                        && c.target().name().equals(m.name())
                                        && c.target().version().equals(m.version()))
                .isPresent();
    }

    private void send(Copy c, Scores scores, long now) {
        KafkaProducer<String, byte[]> p = producer();
        for (int row = 0; row < scores.n(); row++) {
            Prediction prediction = prediction(c, scores, row, now);
            p.send(
                    new ProducerRecord<>(
                            Topics.PREDICTIONS, prediction.getSampleId(), prediction.toByteArray()),
                    (metadata, e) -> (e == null ? sent : failed).increment());
        }
    }

    /** The shadow's prediction of one row, built like every other prediction, marked shadow. */
    private static Prediction prediction(Copy c, Scores scores, int row, long now) {
        Sample sample =
                Sample.newBuilder()
                        .setId(DATASET + "/" + c.requestId() + "/" + row)
                        .setDataset(DATASET)
                        .setRowId(row)
                        .build();
        return OutputRecords.prediction(sample, scores, row, now).toBuilder()
                .setShadow(true)
                .setServedVersion(c.servedVersion())
                .build();
    }

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            producer =
                    kafka.producer(
                            "mmdigits-inference-shadow-copy",
                            Map.of(
                                    ProducerConfig.LINGER_MS_CONFIG,
                                    5,
                                    ProducerConfig.COMPRESSION_TYPE_CONFIG,
                                    "lz4"));
        }
        return producer;
    }

    @PreDestroy
    synchronized void stop() {
        running = false;
        if (worker != null) {
            worker.interrupt();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
