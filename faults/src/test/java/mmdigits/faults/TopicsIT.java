package mmdigits.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mmdigits.common.Topics;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.localkafka.BrokerProcess;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/**
 * The topics the services rebuild their state from keep their data: created for ever (or compacted
 * by identity), and an existing topic made with the broker's defaults (7 days) by an older version
 * is brought to the same settings when a service starts.
 */
class TopicsIT {
    @Test
    void topicsAreKeptForEverOrCompactedAndOldOnesAreAligned() throws Exception {
        try (BrokerProcess broker =
                        BrokerProcess.start(
                                Cluster.fresh(Path.of("target/faults/topics").toAbsolutePath()));
                Admin admin = TopicAdmin.admin(broker.bootstrapServers())) {
            // as an older version left it: the broker's default retention
            admin.createTopics(List.of(new NewTopic(Topics.EVENTS, 1, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            assertThat(config(admin, Topics.EVENTS).get("retention.ms").value())
                    .isEqualTo("604800000");

            List<String> created =
                    TopicAdmin.ensureTopics(broker.bootstrapServers(), Duration.ofSeconds(30));
            assertThat(created).hasSize(Topics.ALL.size() - 1).doesNotContain(Topics.EVENTS);
            // a change of configuration reaches the broker's view through the metadata log, a
            // moment later
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!"-1".equals(config(admin, Topics.EVENTS).get("retention.ms").value())
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            for (String topic :
                    List.of(
                            Topics.SAMPLES_TRAIN,
                            Topics.SAMPLES_TEST,
                            Topics.EVENTS,
                            Topics.EMBEDDINGS,
                            Topics.PREDICTIONS)) {
                Config c = config(admin, topic);
                assertThat(c.get("retention.ms").value()).as(topic).isEqualTo("-1");
                assertThat(c.get("retention.bytes").value()).as(topic).isEqualTo("-1");
                assertThat(c.get("cleanup.policy").value()).as(topic).isEqualTo("delete");
            }
            assertThat(config(admin, Topics.MODELS).get("cleanup.policy").value())
                    .isEqualTo("compact");
            assertThat(config(admin, Topics.DEAD_LETTER).get("retention.ms").value())
                    .isEqualTo("604800000");
            Outputs.report(
                    "topics: "
                            + created.size()
                            + " created with their retention, "
                            + Topics.EVENTS
                            + " (made with the broker's 7 days) aligned to retention.ms=-1");
        }
    }

    static Config config(Admin admin, String topic) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r);
    }
}
