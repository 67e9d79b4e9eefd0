package mmdigits.trainer.messaging;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import mmdigits.common.events.Catalog;
import mmdigits.common.events.Logs;
import mmdigits.common.events.ModelIndex;
import mmdigits.common.events.Promotions;
import mmdigits.common.kafka.KafkaClients;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelPromoted;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.security.ReleaseKeys;

/**
 * What the trainer knows of the world, derived from the topics: the published splits and the runs
 * (from {@code digits.events}), the alias' target (from {@code digits.promotions}) and the
 * registered versions (from {@code digits.models}). Handlers are added before {@link #start()}.
 */
@ApplicationScoped
public class TrainerLogs {
    private final TopicLog<Event> events;
    private final TopicLog<ModelRelease> models;
    private final TopicLog<ModelPromoted> promotionLog;
    private final Catalog catalog = new Catalog();
    private final Promotions promotions = new Promotions();
    private final ModelIndex index = new ModelIndex();

    public TrainerLogs(KafkaClients kafka, KafkaOutput output, ReleaseKeys keys) {
        this.events = Logs.events(kafka.config(), "mmdigits-trainer-events").handler(catalog);
        // the trainer owns the registry: a release it cannot read, or that is not signed with its
        // key in sequence, goes to the
        // dead-letter topic with the reason (inference replicas refuse it too, and only log it: one
        // dead letter, not one per replica)
        this.models =
                Logs.models(kafka.config(), "mmdigits-trainer-models", keys.verifyKey())
                        .handler(index)
                        .onUndecodable(output::deadLetter);
        // the same for promotions: only the trainer's signed ones, in sequence, move the alias
        this.promotionLog =
                Logs.promotions(kafka.config(), "mmdigits-trainer-promotions", keys.verifyKey())
                        .handler(promotions)
                        .onUndecodable(output::deadLetter);
    }

    public TopicLog<Event> events() {
        return events;
    }

    public TopicLog<ModelPromoted> promotionLog() {
        return promotionLog;
    }

    public void start() {
        events.startThread();
        models.startThread();
        promotionLog.startThread();
    }

    /** Waits until the logs were read to the ends they had at start. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        return events.awaitCaughtUp(timeout)
                && models.awaitCaughtUp(left(deadline))
                && promotionLog.awaitCaughtUp(left(deadline));
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    public boolean caughtUp() {
        return events.caughtUp() && models.caughtUp() && promotionLog.caughtUp();
    }

    /**
     * Waits until everything committed on the three topics before this call is known: before a
     * registry decision.
     */
    public void sync(Duration timeout) throws Exception {
        events.sync(timeout);
        models.sync(timeout);
        promotionLog.sync(timeout);
    }

    public Catalog catalog() {
        return catalog;
    }

    public Promotions promotions() {
        return promotions;
    }

    public ModelIndex index() {
        return index;
    }

    /** A registered version's release with its ONNX bytes, read again from the topic. */
    public ModelRelease release(ModelIndex.Version v) throws Exception {
        ModelRelease r = models.fetch(v.partition(), v.sequence(), Duration.ofSeconds(30));
        if (r == null) {
            throw new IllegalStateException(
                    "model "
                            + v.name()
                            + " version "
                            + v.version()
                            + " is no longer on digits.models");
        }
        return r;
    }

    @PreDestroy
    void stop() {
        events.stop();
        models.stop();
        promotionLog.stop();
    }
}
