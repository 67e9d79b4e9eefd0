package mmdigits.localkafka;

import static mmdigits.localkafka.TopicOperatorPlay.get;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Which node leads a topic's partitions, for fault tests that take down the busiest broker. A
 * node's id is its {@link ClusterSpec} id.
 *
 * <pre>
 * java -cp ... mmdigits.localkafka.Leaders --cluster DIR --topic NAME
 * </pre>
 *
 * prints the id of the node that leads the most partitions (the lowest id on a tie).
 */
public final class Leaders {
    private Leaders() {}

    /** Node id → partitions of {@code topic} it leads (partitions without a leader: none). */
    public static Map<Integer, Integer> count(Admin admin, String topic)
            throws InterruptedException {
        TopicDescription d = get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
        Map<Integer, Integer> led = new TreeMap<>();
        for (TopicPartitionInfo p : d.partitions()) {
            Node leader = p.leader();
            if (leader != null && !leader.isEmpty()) {
                led.merge(leader.id(), 1, Integer::sum);
            }
        }
        return led;
    }

    /** The node that leads the most partitions of {@code topic}. */
    public static int mostLed(Admin admin, String topic) throws InterruptedException {
        return count(admin, topic).entrySet().stream()
                .max(
                        Comparator.comparing(Map.Entry<Integer, Integer>::getValue)
                                .thenComparing(Map.Entry::getKey, Comparator.reverseOrder()))
                .orElseThrow(() -> new IllegalStateException(topic + " has no leader"))
                .getKey();
    }

    public static void main(String[] args) throws Exception {
        // the output is the result: Kafka's client logs only what goes wrong
        System.setProperty(
                "org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        if (args.length != 4 || !args[0].equals("--cluster") || !args[2].equals("--topic")) {
            System.err.println("usage: Leaders --cluster DIR --topic NAME");
            System.exit(2);
        }
        ClusterSpec spec = ClusterSpec.load(Path.of(args[1]));
        Map<String, Object> props = new TreeMap<>(spec.adminProperties());
        try (Admin admin = Admin.create(props)) {
            System.out.println(mostLed(admin, args[3]));
        }
    }
}
