package mmdigits.inference.messaging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import mmdigits.common.Topics;
import mmdigits.common.kafka.ConsumerLoop;
import mmdigits.common.kafka.Consumers;
import mmdigits.common.proto.ModelRelease;
import mmdigits.inference.model.LoadedModel;
import mmdigits.inference.model.ModelRegistry;

/**
 * Reads every release on {@code digits.models} — each replica all of them (manual assignment, no
 * consumer group) — and keeps the newest loadable one in the {@link ModelRegistry}. At start it reads
 * the topic to its end first and loads only the newest release (falling back to older ones if the
 * newest cannot be loaded); after that, each newer release as it arrives.
 */
@Singleton // not proxied: the consumer loop is a base class without a no-args constructor
public class ModelReleaseConsumer extends ConsumerLoop {
    private final String bootstrapServers;
    private final ModelRegistry registry;

    public ModelReleaseConsumer(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers, ModelRegistry registry) {
        super("model-releases");
        this.bootstrapServers = bootstrapServers;
        this.registry = registry;
    }

    void onStart(@Observes StartupEvent ignored) {
        startThread();
    }

    void onShutdown(@Observes ShutdownEvent ignored) {
        stop();
    }

    @Override
    protected KafkaConsumer<String, byte[]> createConsumer() {
        return Consumers.readCommitted(bootstrapServers, "mmdigits-inference-models", Map.of(
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_MESSAGE_BYTES,
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Topics.MAX_MESSAGE_BYTES,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 8));
    }

    @Override
    protected void consume(KafkaConsumer<String, byte[]> c) {
        follow(c);
    }

    private void follow(KafkaConsumer<String, byte[]> c) {
        List<TopicPartition> partitions = List.of();
        while (running() && partitions.isEmpty()) {
            partitions = c.partitionsFor(Topics.MODELS, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(Topics.MODELS, p.partition())).toList();
            if (partitions.isEmpty()) {
                Log.infof("waiting for topic %s", Topics.MODELS);
                sleep(1000);
            }
        }
        c.assign(partitions);
        c.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = c.endOffsets(partitions);
        List<ModelRelease> backlog = new ArrayList<>();
        final List<TopicPartition> assigned = partitions;
        while (running() && assigned.stream().anyMatch(p -> c.position(p) < end.get(p))) {
            for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                ModelRelease release = decode(r);
                if (release != null) {
                    backlog.add(release);
                }
            }
        }
        backlog.sort(Comparator.comparingLong(ModelRelease::getCreatedMs).thenComparing(ModelRelease::getVersion).reversed());
        for (ModelRelease release : backlog) {
            if (!release.getName().equals(registry.modelName()) || !LoadedModel.isNewer(release, registry.current())) {
                continue;
            }
            if (load(release)) {
                break;
            }
        }
        if (registry.current() == null) {
            Log.infof("no release of model '%s' on %s yet (%d records read); waiting for one", registry.modelName(), Topics.MODELS,
                    backlog.size());
        }
        while (running()) {
            for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofSeconds(1))) {
                ModelRelease release = decode(r);
                if (release != null) {
                    load(release);
                }
            }
        }
    }

    private static ModelRelease decode(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            return null; // a tombstone of the compacted topic
        }
        try {
            return ModelRelease.parseFrom(r.value());
        } catch (Exception e) {
            Log.errorf("undecodable record on %s (partition %d, offset %d, %d bytes): %s — ignored", r.topic(), r.partition(), r.offset(),
                    r.value().length, e.getMessage());
            return null;
        }
    }

    private boolean load(ModelRelease release) {
        try {
            return registry.load(release);
        } catch (Exception e) {
            Log.errorf("release %s of model '%s' cannot be loaded, keeping the current model: %s", release.getVersion(), release.getName(),
                    e.getMessage());
            return false;
        }
    }
}
