package mmdigits.inference.messaging;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import mmdigits.common.Topics;
import mmdigits.common.kafka.KafkaClients;
import mmdigits.inference.config.InferenceConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code mmdigits_inference_consumer_lag_records{group,topic,partition}}: how far the scoring group
 * is behind on {@code digits.samples.test} — the last committed record's offset (what {@code
 * read_committed} readers can see) minus the group's committed offset, per partition, read with the
 * admin client every {@code inference.stream.lag-interval}. Measured from the broker, not from this
 * replica's consumer, so it keeps growing when the loop is stuck or no replica holds a partition;
 * every replica reports the group's whole lag (alerts take the max per partition). A partition the
 * group never committed counts from its earliest offset (the group resets there).
 */
@Singleton
public class ScoringLag {
    static final String NAME = "mmdigits.inference.consumer.lag";
    private static final Comparator<TopicPartition> BY_PARTITION =
            Comparator.comparing(TopicPartition::topic).thenComparing(TopicPartition::partition);

    private final KafkaClients kafka;
    private final InferenceConfig config;
    private final MultiGauge gauge;
    private ScheduledExecutorService timer;
    private Admin admin;

    public ScoringLag(KafkaClients kafka, InferenceConfig config, MeterRegistry meters) {
        this.kafka = kafka;
        this.config = config;
        this.gauge =
                MultiGauge.builder(NAME)
                        .description(
                                "Records of digits.samples.test the scoring group has not committed yet, per partition")
                        .baseUnit("records")
                        .register(meters);
    }

    void onStart(@Observes StartupEvent ignored) {
        if (!config.stream().enabled()) {
            return;
        }
        admin = kafka.admin(Duration.ofSeconds(10));
        timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "scoring-lag");
                            t.setDaemon(true);
                            return t;
                        });
        long every = config.stream().lagInterval().toMillis();
        timer.scheduleWithFixedDelay(this::measureQuietly, 0, every, TimeUnit.MILLISECONDS);
    }

    void onShutdown(@Observes ShutdownEvent ignored) throws InterruptedException {
        if (timer != null) {
            timer.shutdownNow();
            timer.awaitTermination(5, TimeUnit.SECONDS);
            admin.close(Duration.ofSeconds(5));
        }
    }

    private void measureQuietly() {
        try {
            gauge.register(rows(measure()), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            Log.debugf("scoring lag not measured: %s", e.toString());
        }
    }

    /** The group's lag per partition of the test topic. */
    Map<TopicPartition, Long> measure() throws Exception {
        String group = config.stream().groupId();
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        List<TopicPartition> partitions = partitions();
        Map<TopicPartition, ListOffsetsResultInfo> ends = offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, ListOffsetsResultInfo> starts =
                offsets(partitions, OffsetSpec.earliest());
        return lag(partitions, committed, ends, starts);
    }

    /**
     * Per partition: its last committed record's end minus the group's committed offset (the
     * partition's earliest offset when the group never committed there), never below 0.
     */
    static Map<TopicPartition, Long> lag(
            List<TopicPartition> partitions,
            Map<TopicPartition, OffsetAndMetadata> committed,
            Map<TopicPartition, ListOffsetsResultInfo> ends,
            Map<TopicPartition, ListOffsetsResultInfo> starts) {
        Map<TopicPartition, Long> lag = new TreeMap<>(BY_PARTITION);
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata at = committed.get(tp);
            long from = at != null ? at.offset() : starts.get(tp).offset();
            lag.put(tp, Math.max(0, ends.get(tp).offset() - from));
        }
        return lag;
    }

    private List<TopicPartition> partitions() throws Exception {
        var topic =
                admin.describeTopics(List.of(Topics.SAMPLES_TEST))
                        .allTopicNames()
                        .get()
                        .get(Topics.SAMPLES_TEST);
        List<TopicPartition> out = new ArrayList<>();
        topic.partitions()
                .forEach(p -> out.add(new TopicPartition(Topics.SAMPLES_TEST, p.partition())));
        return out;
    }

    private Map<TopicPartition, ListOffsetsResultInfo> offsets(
            List<TopicPartition> partitions, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> asked = new HashMap<>();
        partitions.forEach(tp -> asked.put(tp, spec));
        return admin.listOffsets(asked, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .all()
                .get();
    }

    private List<MultiGauge.Row<?>> rows(Map<TopicPartition, Long> lag) {
        String group = config.stream().groupId();
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        lag.forEach(
                (tp, n) ->
                        rows.add(
                                MultiGauge.Row.of(
                                        Tags.of(
                                                "group",
                                                group,
                                                "topic",
                                                tp.topic(),
                                                "partition",
                                                Integer.toString(tp.partition())),
                                        n)));
        return rows;
    }
}
