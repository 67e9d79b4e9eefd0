package mmdigits.common.kafka;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

/**
 * A Kafka consumer on a background thread of its own: created, used until the service stops, and
 * created again after a failure (2 s later). {@link #stop()} wakes a consumer that waits in poll.
 * Subclasses say how to build the consumer and what to do with it.
 */
public abstract class ConsumerLoop {
    private static final System.Logger LOG = System.getLogger(ConsumerLoop.class.getName());
    private final String name;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> current;

    protected ConsumerLoop(String name) {
        this.name = name;
    }

    /** Starts the thread (a daemon named after the loop). */
    public void startThread() {
        Thread t = new Thread(this::run, name);
        t.setDaemon(true);
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
            try (KafkaConsumer<String, byte[]> c = createConsumer()) {
                current = c;
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
                sleep(2000);
            } finally {
                current = null;
            }
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
