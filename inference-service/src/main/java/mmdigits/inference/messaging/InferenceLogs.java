package mmdigits.inference.messaging;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
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
import mmdigits.inference.jobs.JobBook;
import mmdigits.inference.model.ModelRegistry;

/**
 * What inference derives from the topics, on every replica alike: from {@code digits.models} the
 * registered versions (each replica reads every release), from {@code digits.promotions} the alias'
 * target, from {@code digits.events} the published test splits and the scoring jobs. The {@link
 * ModelRegistry} follows it.
 */
@ApplicationScoped
public class InferenceLogs implements ModelRegistry.Source {
    private final TopicLog<Event> events;
    private final TopicLog<ModelRelease> models;
    private final TopicLog<ModelPromoted> promotionLog;
    private final Catalog catalog = new Catalog();
    private final Promotions promotions = new Promotions();
    private final ModelIndex index = new ModelIndex();
    private final JobBook jobs;
    private final ModelRegistry registry;

    public InferenceLogs(KafkaClients kafka, ModelRegistry registry, ReleaseKeys keys) {
        this.registry = registry;
        this.jobs = new JobBook(catalog);
        this.events =
                Logs.events(kafka.config(), "mmdigits-inference-events")
                        .handler(catalog)
                        .handler(jobs)
                        .handler(e -> registry.changed());
        // only promotions signed with the trainer's key, in sequence, move the alias; the rest
        // are counted and logged (the trainer dead-letters them, once)
        this.promotionLog =
                Logs.promotions(kafka.config(), "mmdigits-inference-promotions", keys.verifyKey())
                        .handler(promotions)
                        .handler(e -> registry.changed())
                        .onUndecodable(registry::refusedPromotion);
        // only releases signed with the trainer's key, in sequence, are indexed and loaded; the
        // rest are logged with the reason
        // (the trainer dead-letters them, once)
        this.models =
                Logs.models(kafka.config(), "mmdigits-inference-models", keys.verifyKey())
                        .handler(index)
                        .handler(e -> registry.changed())
                        .onUndecodable(registry::refused);
    }

    void onStart(@Observes StartupEvent ignored) {
        registry.follow(this);
        models.startThread();
        promotionLog.startThread();
        events.startThread();
    }

    @PreDestroy
    void stop() {
        events.stop();
        promotionLog.stop();
        models.stop();
    }

    /** True once the topics were read to the ends they had at start. */
    @Override
    public boolean caughtUp() {
        return models.caughtUp() && promotionLog.caughtUp() && events.caughtUp();
    }

    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        return models.awaitCaughtUp(timeout)
                && promotionLog.awaitCaughtUp(left(deadline))
                && events.awaitCaughtUp(left(deadline));
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    public String alias() {
        return registry.alias();
    }

    @Override
    public ModelIndex index() {
        return index;
    }

    @Override
    public Optional<Promotions.Target> promoted() {
        return promotions.current(registry.alias());
    }

    @Override
    public Optional<Promotions.Candidate> candidate() {
        return promotions.candidate(registry.alias());
    }

    public Optional<Promotions.State> promotion() {
        return promotions.state(registry.alias());
    }

    @Override
    public Set<String> versionsNeeded() {
        return jobs.versionsNeeded();
    }

    @Override
    public ModelRelease fetch(ModelIndex.Version v) throws Exception {
        return models.fetch(v.partition(), v.sequence(), Duration.ofSeconds(30));
    }

    public JobBook jobs() {
        return jobs;
    }

    public Catalog catalog() {
        return catalog;
    }
}
