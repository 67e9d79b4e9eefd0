package mmdigits.common.kafka;

import java.time.Duration;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

/**
 * A Kafka consumer on a background thread of its own: created, used until the service stops, and
 * created again after a failure (2 s later). {@link #stop()} wakes a consumer that waits in poll;
 * {@link #awaitStopped} waits until it is closed. A consumer that is closed because the service
 * stops leaves its group when {@link #leaveGroupOnStop()} says so — also a static member, which by
 * default stays and keeps its partitions until its session times out: a replica that is stopped
 * (scaled down, rolled, rescheduled) hands its partitions over at once, one that crashed and comes
 * back under its identity takes them back at once. Subclasses say how to build the consumer and
 * what to do with it.
 */
public abstract class ConsumerLoop {
    private static final System.Logger LOG = System.getLogger(ConsumerLoop.class.getName());
    private final String name;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> current;
    private volatile Thread thread;

    protected ConsumerLoop(String name) {
        this.name = name;
    }

    /** Starts the thread (a daemon named after the loop). */
    public void startThread() {
        Thread t = new Thread(this::run, name);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Ends the loop; a consumer waiting in poll is woken. */
    public void stop() {
        running = false;
        KafkaConsumer<String, byte[]> c = current;
        if (c != null) {
            c.wakeup();
        }
    }

    /** Waits until the loop's thread has closed its consumer (after {@link #stop()}). */
    public void awaitStopped(Duration timeout) throws InterruptedException {
        Thread t = thread;
        if (t != null) {
            t.join(timeout.toMillis());
        }
    }

    protected boolean running() {
        return running;
    }

    /**
     * Runs once on the thread before the first consumer (e.g. to wait for something); false ends
     * the loop.
     */
    protected boolean beforeFirstConsumer() throws InterruptedException {
        return true;
    }

    /** Whether a consumer closed because the service stops leaves its group (default: no). */
    protected boolean leaveGroupOnStop() {
        return false;
    }

    protected abstract KafkaConsumer<String, byte[]> createConsumer();

    /**
     * Uses the consumer until {@link #running()} is false; an exception closes it and a new one
     * starts.
     */
    protected abstract void consume(KafkaConsumer<String, byte[]> consumer) throws Exception;

    private void run() {
        try {
            if (!beforeFirstConsumer()) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        while (running) {
            boolean failed = false;
            KafkaConsumer<String, byte[]> c = createConsumer();
            current = c;
            try {
                if (!running) {
                    return;
                }
                consume(c);
            } catch (WakeupException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                LOG.log(
                        System.Logger.Level.WARNING,
                        name + " failed (" + e + "); a new consumer in 2 s");
                failed = true;
            } finally {
                current = null;
                close(c);
            }
            if (failed) {
                sleep(2000);
            }
        }
    }

    private void close(KafkaConsumer<String, byte[]> c) {
        try {
            if (!running && leaveGroupOnStop()) {
                c.close(
                        CloseOptions.groupMembershipOperation(
                                        CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                                .withTimeout(Duration.ofSeconds(10)));
                LOG.log(System.Logger.Level.INFO, name + " left its consumer group");
            } else {
                c.close();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, name + ": closing the consumer failed: " + e);
        }
    }

    protected static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
