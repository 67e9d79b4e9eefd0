package mmdigits.trainer.messaging;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import java.util.HashMap;
import java.util.Map;

/**
 * The trainer's {@code events} channel on SmallRye's in-memory connector; Kafka's address is one
 * nothing listens on.
 */
public class InMemoryEvents implements QuarkusTestResourceLifecycleManager {
    @Override
    public Map<String, String> start() {
        Map<String, String> config =
                new HashMap<>(
                        InMemoryConnector.switchIncomingChannelsToInMemory(EventListener.CHANNEL));
        config.put("kafka.bootstrap.servers", "127.0.0.1:1");
        config.put("mmdigits.topics.create-on-start", "false");
        return config;
    }

    @Override
    public void stop() {
        InMemoryConnector.clear();
    }
}
