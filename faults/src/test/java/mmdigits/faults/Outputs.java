package mmdigits.faults;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mmdigits.common.Topics;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.common.proto.Prediction;
import mmdigits.localkafka.TopicReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * What a fault left on the topics, as a plain {@code read_committed} (or read_uncommitted) client
 * sees it.
 */
final class Outputs {
    private Outputs() {}

    /**
     * Predictions of a model version per sample id (a count above 1 is a duplicate), for ids
     * starting with {@code prefix}.
     */
    static Map<String, Integer> predictions(String bootstrap, String version, String prefix) {
        Map<String, Integer> out = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r :
                TopicReader.readAll(bootstrap, Topics.PREDICTIONS, "read_committed")) {
            if (r.key() != null && r.key().startsWith(prefix) && versionOf(r).equals(version)) {
                out.merge(r.key(), 1, Integer::sum);
            }
        }
        return out;
    }

    /** Records of a topic whose key starts with {@code prefix}, at an isolation level. */
    static long count(String bootstrap, String topic, String prefix, String isolation) {
        return TopicReader.readAll(bootstrap, topic, isolation).stream()
                .filter(r -> r.key() != null && r.key().startsWith(prefix))
                .count();
    }

    /**
     * The sum of a topic's end offsets (uncommitted: records written, whether their transaction
     * ends or not).
     */
    /** How many committed predictions of {@code version} were written at or after {@code ms}. */
    static long predictionsWrittenSince(String bootstrap, String version, String prefix, long ms) {
        return TopicReader.readAll(bootstrap, Topics.PREDICTIONS, "read_committed").stream()
                .filter(r -> r.key() != null && r.key().startsWith(prefix))
                .filter(r -> r.timestamp() >= ms)
                .filter(r -> versionOf(r).equals(version))
                .count();
    }

    private static String versionOf(ConsumerRecord<String, byte[]> r) {
        try {
            return Prediction.parseFrom(r.value()).getModelVersion();
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    static long written(String bootstrap, String topic) throws Exception {
        try (Admin admin = TopicAdmin.admin(bootstrap)) {
            return written(admin, topic);
        }
    }

    static long written(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < 4; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        return admin
                .listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
                .all()
                .get(10, TimeUnit.SECONDS)
                .values()
                .stream()
                .mapToLong(i -> i.offset())
                .sum();
    }

    /** Exactly once: every expected id once, nothing else. Returns [lost, duplicated]. */
    static long[] lostAndDuplicated(Map<String, Integer> seen, List<String> expected) {
        long lost = expected.stream().filter(id -> !seen.containsKey(id)).count();
        long duplicated = seen.values().stream().filter(n -> n > 1).mapToLong(n -> n - 1).sum();
        return new long[] {lost, duplicated};
    }

    private static boolean started;

    /**
     * A line of the fault report: printed and written to target/faults/report.txt (one file per
     * test run).
     */
    static synchronized void report(String line) throws IOException {
        System.out.println("FAULT " + line);
        Path file = Path.of("target/faults/report.txt");
        Files.createDirectories(file.getParent());
        if (!started) {
            Files.deleteIfExists(file);
            started = true;
        }
        Files.writeString(file, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
