package mmdigits.inference.payloadlog;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import mmdigits.common.kafka.InstanceId;
import mmdigits.common.kafka.KafkaClients;
import mmdigits.common.kafka.Producers;
import mmdigits.inference.config.InferenceConfig;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The payload log (docs/payload-log.md): the REST and gRPC edges hand each finished exchange to
 * {@link #offer}, which only puts it in a bounded queue — it never blocks and never throws, so a
 * slow or absent broker cannot delay or fail a request. One sender thread with its own idempotent
 * producer turns the queue into CloudEvents on {@code digits.payloads}. Drop policy: a new event
 * that finds the queue full (events or bytes) is dropped ({@code queue_full}); when the broker does
 * not answer within {@code max-block} (metadata, buffer room) or {@code delivery-timeout} (an
 * acknowledgement), the event and everything queued are dropped ({@code broker_unavailable}); a
 * record the broker refuses as too large is dropped ({@code too_large}). Every event ends counted
 * once, sent or dropped.
 */
@ApplicationScoped
public class PayloadLog {
    /** What the topic and the producer take at most (the topic's {@code max.message.bytes}). */
    static final int MAX_RECORD_BYTES = 4 * 1024 * 1024;

    private static final Duration STOP_GRACE = Duration.ofSeconds(3);

    private final InferenceConfig.PayloadLog config;
    private final KafkaClients kafka;
    private final MeterRegistry meters;
    private final ObjectMapper mapper;
    private final String instanceId;
    private final BlockingQueue<Queued> queue;
    private final AtomicLong queuedBytes = new AtomicLong();
    private volatile boolean running;
    private volatile boolean healthy = true;
    private PayloadLogMetrics metrics;
    private Thread sender;

    private record Queued(Exchange exchange, long since, long bytes) {}

    public PayloadLog(
            InferenceConfig config,
            KafkaClients kafka,
            MeterRegistry meters,
            ObjectMapper mapper,
            @ConfigProperty(name = "mmdigits.instance-id") Optional<String> instanceId,
            @ConfigProperty(name = "quarkus.http.port") int httpPort) {
        this.config = config.payloadLog();
        this.kafka = kafka;
        this.meters = meters;
        this.mapper = mapper;
        this.instanceId = InstanceId.resolve(instanceId, httpPort);
        this.queue = new ArrayBlockingQueue<>(Math.max(1, this.config.queueSize()));
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        metrics = new PayloadLogMetrics(meters, queue::size);
        running = true;
        sender = new Thread(this::run, "payload-log");
        sender.setDaemon(true);
        sender.start();
        Log.infof(
                "payload log on: every inference request and answer to digits.payloads (queue %d events)",
                config.queueSize());
    }

    /** Whether the edges should capture exchanges at all. */
    public boolean enabled() {
        return config.enabled();
    }

    /** A body larger than this is logged without its bytes. */
    public long maxBodyBytes() {
        return config.maxBodyBytes().asLongValue();
    }

    /** Queues an exchange, or drops it when the queue is full; never blocks, never throws. */
    public void offer(Exchange exchange) {
        if (!running) {
            if (metrics != null) {
                metrics.dropped(PayloadLogMetrics.SHUTDOWN, 1);
            }
            return;
        }
        long bytes = exchange.heldBytes();
        if (queuedBytes.addAndGet(bytes) > config.queueBytes().asLongValue()
                || !queue.offer(new Queued(exchange, System.nanoTime(), bytes))) {
            queuedBytes.addAndGet(-bytes);
            metrics.dropped(PayloadLogMetrics.QUEUE_FULL, 1);
        }
    }

    private void run() {
        PayloadEvents events = new PayloadEvents(instanceId, mapper, maxBodyBytes());
        KafkaProducer<String, byte[]> producer;
        try {
            producer = producer();
        } catch (RuntimeException e) {
            Log.errorf(e, "payload log: no producer (its settings?); every event is dropped");
            running = false;
            metrics.dropped(PayloadLogMetrics.SEND_FAILED, dropQueued());
            return;
        }
        try {
            while (running) {
                Queued q = queue.poll(100, TimeUnit.MILLISECONDS);
                if (q != null) {
                    send(producer, events, q);
                }
            }
            sendRest(producer, events);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            Log.errorf(e, "payload log: the sender stopped");
        } finally {
            running = false;
            metrics.dropped(PayloadLogMetrics.SHUTDOWN, dropQueued());
            // what the broker has not acknowledged by then fails in its callback (send_failed)
            producer.close(STOP_GRACE);
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        Map<String, Object> base = kafka.config();
        config.bootstrapServers()
                .ifPresent(s -> base.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, s));
        long linger = config.linger().toMillis();
        long delivery = Math.max(config.deliveryTimeout().toMillis(), linger + 1000);
        Map<String, Object> more = new HashMap<>();
        more.put(ProducerConfig.LINGER_MS_CONFIG, (int) linger);
        more.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, config.maxBlock().toMillis());
        more.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) delivery);
        more.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) (delivery - linger));
        more.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_RECORD_BYTES);
        return Producers.idempotent(base, "mmdigits-inference-payload-log-" + instanceId, more);
    }

    private void send(KafkaProducer<String, byte[]> producer, PayloadEvents events, Queued q) {
        queuedBytes.addAndGet(-q.bytes());
        ProducerRecord<String, byte[]> record;
        try {
            record = events.record(q.exchange());
        } catch (RuntimeException e) {
            Log.warnf(e, "payload log: exchange %s not written", q.exchange().requestId());
            metrics.dropped(PayloadLogMetrics.SEND_FAILED, 1);
            return;
        }
        try {
            // an ApiException (no metadata or buffer room within max.block.ms, a record too
            // large) comes to the callback, on this thread
            producer.send(record, (metadata, failure) -> done(q, failure));
        } catch (RuntimeException e) {
            done(q, e);
        }
    }

    /** Counts an event as sent or dropped (on the sender's or the producer's I/O thread). */
    private void done(Queued q, Exception failure) {
        if (failure == null) {
            metrics.sent(q.since());
            if (!healthy) {
                healthy = true;
                Log.info("payload log: the broker takes events again");
            }
            return;
        }
        String reason = reason(failure);
        int more = reason.equals(PayloadLogMetrics.BROKER_UNAVAILABLE) ? dropQueued() : 0;
        metrics.dropped(reason, 1 + more);
        if (healthy) {
            healthy = false;
            Log.warnf(
                    "payload log: events dropped (%s: %s); requests are answered as usual",
                    reason, failure.getMessage());
        }
    }

    private static String reason(Exception failure) {
        if (failure instanceof TimeoutException) {
            return PayloadLogMetrics.BROKER_UNAVAILABLE;
        }
        if (failure instanceof RecordTooLargeException) {
            return PayloadLogMetrics.TOO_LARGE;
        }
        return PayloadLogMetrics.SEND_FAILED;
    }

    /** Empties the queue; returns how many events it held. */
    private int dropQueued() {
        List<Queued> dropped = new ArrayList<>();
        queue.drainTo(dropped);
        dropped.forEach(q -> queuedBytes.addAndGet(-q.bytes()));
        return dropped.size();
    }

    /** At stop: what is queued gets a few seconds to be sent; the rest is dropped. */
    private void sendRest(KafkaProducer<String, byte[]> producer, PayloadEvents events) {
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        Queued q;
        while (System.nanoTime() < deadline && (q = queue.poll()) != null) {
            send(producer, events, q);
        }
    }

    @PreDestroy
    void stop() throws InterruptedException {
        if (sender == null) {
            return;
        }
        running = false;
        sender.join(STOP_GRACE.plusSeconds(10).toMillis());
    }
}
