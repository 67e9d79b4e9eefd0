package mmdigits.inference.messaging;

import io.quarkus.logging.Log;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import mmdigits.common.kafka.KafkaClients;
import mmdigits.inference.config.InferenceConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The Kafka clients of the test-stream scorer, all under this replica's instance id: the group
 * consumer (static member), the transactional producer (a stable transactional id) and the job
 * reader (no group; it seeks).
 */
final class StreamClients {
    private static final int MAX_PARTITION_FETCH_BYTES = 8 * 1024 * 1024;

    private final KafkaClients kafka;
    private final InferenceConfig config;
    private final String instanceId;

    StreamClients(KafkaClients kafka, InferenceConfig config, String instanceId) {
        this.kafka = kafka;
        this.config = config;
        this.instanceId = instanceId;
    }

    KafkaConsumer<String, byte[]> groupConsumer() {
        Log.infof("test stream: joining group %s as %s", config.stream().groupId(), instanceId);
        return kafka.consumer(
                "mmdigits-inference-test-stream",
                Map.of(
                        ConsumerConfig.GROUP_ID_CONFIG,
                        config.stream().groupId(),
                        // static membership: a restarted replica (same instance id) gets its
                        // partitions back without a rebalance
                        ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
                        instanceId,
                        // a rebalance moves only the partitions that change hands
                        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                        CooperativeStickyAssignor.class.getName(),
                        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                        (int) config.stream().sessionTimeout().toMillis(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        config.stream().maxPollRecords(),
                        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                        MAX_PARTITION_FETCH_BYTES));
    }

    KafkaProducer<String, byte[]> transactionalProducer() {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "mmdigits-inference-" + instanceId);
        c.put(
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                (int) config.stream().transactionTimeout().toMillis());
        c.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        c.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        KafkaProducer<String, byte[]> p = kafka.producer("mmdigits-inference-scores", c);
        try {
            p.initTransactions(); // fences an earlier process of this instance and aborts
            // its open transaction
        } catch (RuntimeException e) {
            p.close(Duration.ZERO);
            throw e;
        }
        return p;
    }

    Admin admin() {
        return kafka.admin(Duration.ofSeconds(30));
    }

    /** Reads the jobs' offset ranges: no group, positioned by seeking, never resets by itself. */
    KafkaConsumer<String, byte[]> jobReader() {
        return kafka.consumer(
                "mmdigits-inference-job-reader",
                Map.of(
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "none",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        config.stream().maxPollRecords(),
                        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                        MAX_PARTITION_FETCH_BYTES));
    }
}
