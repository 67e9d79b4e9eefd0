package mmdigits.common.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Follows a whole topic from its beginning ({@code read_committed}, no consumer group) and hands
 * every record, decoded and in order per partition, to the registered handlers: how a service
 * derives its state from {@code digits.events} (datasets, runs, promotions, scoring requests) or
 * {@code digits.models} (the registered versions). A consumer re-created after a failure resumes
 * where the last one stopped, so a handler sees each record once. An undecodable record (the
 * decoder throws) is skipped; one that arrives while the log runs goes to the {@link
 * #onUndecodable} callback (the topic's owner dead-letters it), one already on the topic at start
 * is only logged: the process that was running when it arrived dead-lettered it, and every restart
 * would add a copy. A null value (a tombstone) is handed over as null.
 *
 * <p>A plain consumer, not a channel: the state must be rebuilt from the topic's beginning at every
 * start (no committed offsets), and a decision waits until the read reached the topic's end past
 * transaction markers ({@link #awaitCaughtUp}, {@link #sync}) — the consumer's position says so,
 * the records a channel hands over do not.
 *
 * @param <T> the decoded value
 */
public final class TopicLog<T> extends ConsumerLoop {
    private static final System.Logger LOG = System.getLogger(TopicLog.class.getName());

    /**
     * One record: {@code historical} when it was on the topic before this service started; its
     * {@code headers} carry, among others, the trace context of the work that wrote it.
     */
    public record Entry<T>(
            int partition, long offset, String key, T value, boolean historical, Headers headers) {
        /** An entry without headers (tests, records built by hand). */
        public Entry(int partition, long offset, String key, T value, boolean historical) {
            this(partition, offset, key, value, historical, new RecordHeaders());
        }
    }

    @FunctionalInterface
    public interface Decoder<T> {
        T decode(byte[] bytes) throws Exception;
    }

    /**
     * Decides whether a decoded record is accepted (e.g. a signature, a sequence); a refusal takes
     * the same path as an undecodable record. Runs on the log's thread, in order, before the
     * handlers.
     */
    @FunctionalInterface
    public interface Check<T> {
        void check(ConsumerRecord<String, byte[]> record, T value) throws Exception;
    }

    /** Receives each record once, in order, on the log's thread. */
    @FunctionalInterface
    public interface Handler<T> {
        void on(Entry<T> entry);
    }

    private final Map<String, Object> connection;
    private final String topic;
    private final String clientId;
    private final Decoder<T> decoder;
    private final Map<String, Object> consumerSettings;
    private final List<Handler<T>> handlers = new CopyOnWriteArrayList<>();
    private volatile Check<T> check = (record, value) -> {};
    private volatile BiConsumer<ConsumerRecord<String, byte[]>, Exception> undecodable =
            TopicLog::logUndecodable;
    private final Map<Integer, Long> next = new HashMap<>();
    private Map<Integer, Long> startEnd;
    private volatile boolean caughtUp;

    /**
     * @param connection the connection settings ({@link KafkaClients#config()})
     */
    public TopicLog(
            Map<String, Object> connection,
            String topic,
            String clientId,
            Decoder<T> decoder,
            Map<String, Object> consumerSettings) {
        super(topic + "-log");
        this.connection = Map.copyOf(connection);
        this.topic = topic;
        this.clientId = clientId;
        this.decoder = decoder;
        this.consumerSettings = Map.copyOf(consumerSettings);
    }

    /** Adds a handler; register them all before {@link #startThread()}. */
    public TopicLog<T> handler(Handler<T> h) {
        handlers.add(h);
        return this;
    }

    /** Records that decode must also pass this check; register it before {@link #startThread()}. */
    public TopicLog<T> check(Check<T> c) {
        this.check = c;
        return this;
    }

    /**
     * Where records that cannot be decoded (or are refused by the check) go, with the failure (e.g.
     * the dead-letter topic); by default they are logged.
     */
    public TopicLog<T> onUndecodable(
            BiConsumer<ConsumerRecord<String, byte[]>, Exception> callback) {
        this.undecodable = callback;
        return this;
    }

    public String topic() {
        return topic;
    }

    /** True once the topic was read to the end it had when the log started. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Waits until the topic was read to the end it had at start; false on timeout. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (!caughtUp) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
        return true;
    }

    /**
     * Waits until every record committed before this call has been handled: what a decision (a
     * promotion, a run's state) must take into account.
     *
     * @throws IllegalStateException when that does not happen within {@code timeout}
     */
    public void sync(Duration timeout) throws Exception {
        Map<Integer, Long> end = committedEnd(timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (!reached(end)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException(
                            topic + " was not read up to " + end + " within " + timeout);
                }
                TimeUnit.NANOSECONDS.timedWait(
                        this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
            }
        }
    }

    /**
     * Reads one record again (e.g. a model release whose bytes were not kept); null when it is
     * gone.
     */
    public T fetch(int partition, long offset, Duration timeout) throws Exception {
        TopicPartition tp = new TopicPartition(topic, partition);
        try (KafkaConsumer<String, byte[]> c =
                Consumers.readCommitted(connection, clientId + "-fetch", consumerSettings)) {
            c.assign(List.of(tp));
            c.seek(tp, offset);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (r.offset() == offset) {
                        return r.value() == null ? null : decoder.decode(r.value());
                    }
                    if (r.offset() > offset) {
                        return null; // compacted away
                    }
                }
                if (c.position(tp) > offset) {
                    return null;
                }
            }
            throw new IllegalStateException(
                    topic
                            + "/"
                            + partition
                            + "@"
                            + offset
                            + " could not be read within "
                            + timeout);
        }
    }

    private Map<Integer, Long> committedEnd(Duration timeout) throws Exception {
        try (Admin admin = TopicAdmin.admin(connection, timeout)) {
            var partitions =
                    admin.describeTopics(List.of(topic))
                            .allTopicNames()
                            .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                            .get(topic)
                            .partitions();
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            partitions.forEach(
                    p ->
                            request.put(
                                    new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            Map<Integer, Long> end = new HashMap<>();
            admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .forEach((tp, info) -> end.put(tp.partition(), info.offset()));
            return end;
        }
    }

    private boolean reached(Map<Integer, Long> end) {
        return end.entrySet().stream()
                .allMatch(e -> next.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }

    @Override
    protected KafkaConsumer<String, byte[]> createConsumer() {
        return Consumers.readCommitted(connection, clientId, consumerSettings);
    }

    @Override
    protected void consume(KafkaConsumer<String, byte[]> c) throws Exception {
        List<TopicPartition> parts = List.of();
        while (running() && parts.isEmpty()) {
            parts =
                    c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList();
            if (parts.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "waiting for topic " + topic);
                Thread.sleep(1000);
            }
        }
        c.assign(parts);
        synchronized (this) {
            for (TopicPartition p : parts) {
                c.seek(p, next.getOrDefault(p.partition(), 0L));
            }
            if (startEnd == null) {
                startEnd = new HashMap<>();
                c.endOffsets(parts).forEach((tp, end) -> startEnd.put(tp.partition(), end));
            }
        }
        while (running()) {
            for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                handle(r);
            }
            synchronized (this) {
                parts.forEach(p -> next.put(p.partition(), c.position(p)));
                if (!caughtUp && reached(startEnd)) {
                    caughtUp = true;
                }
                notifyAll();
            }
        }
    }

    private void handle(ConsumerRecord<String, byte[]> r) {
        boolean historical;
        synchronized (this) {
            historical = r.offset() < startEnd.getOrDefault(r.partition(), 0L);
        }
        T value = null;
        if (r.value() != null) {
            try {
                value = decoder.decode(r.value());
            } catch (Exception e) {
                undecodable(r, "undecodable", e, historical);
                return;
            }
            try {
                check.check(r, value);
            } catch (Exception e) {
                undecodable(r, "refused", e, historical);
                return;
            }
        }
        Entry<T> entry =
                new Entry<>(r.partition(), r.offset(), r.key(), value, historical, r.headers());
        for (Handler<T> h : handlers) {
            try {
                h.on(entry);
            } catch (RuntimeException e) {
                LOG.log(
                        System.Logger.Level.ERROR,
                        "a handler of " + topic + " failed at offset " + r.offset() + ": " + e,
                        e);
            }
        }
    }

    private void undecodable(
            ConsumerRecord<String, byte[]> r, String what, Exception e, boolean historical) {
        IllegalArgumentException failure =
                new IllegalArgumentException(
                        what + " record on " + r.topic() + ": " + e.getMessage(), e);
        if (historical) {
            logUndecodable(r, failure);
        } else {
            undecodable.accept(r, failure);
        }
    }

    private static void logUndecodable(ConsumerRecord<String, byte[]> r, Exception failure) {
        LOG.log(
                System.Logger.Level.WARNING,
                "skipped "
                        + r.topic()
                        + "/"
                        + r.partition()
                        + "@"
                        + r.offset()
                        + ": "
                        + failure.getMessage());
    }
}
