package mmdigits.trainer.messaging;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Which trainer replica runs the training queue: the one the trainers' consumer group assigned the
 * single partition of {@code digits.events} ({@value #NAME}, the {@code events} channel's rebalance
 * listener). The group uses the cooperative sticky assignor, so a replica joining or leaving does
 * not take the partition from the one that holds it; when it does move (its holder left the group
 * or was declared dead), the run in progress is handed over.
 */
@ApplicationScoped
@Identifier(QueueLeadership.NAME)
public class QueueLeadership implements KafkaConsumerRebalanceListener {
    public static final String NAME = "training-queue";

    private final TrainingQueue queue;

    public QueueLeadership(TrainingQueue queue) {
        this.queue = queue;
    }

    @Override
    public void onPartitionsAssigned(
            Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            queue.leading(true);
        }
    }

    @Override
    public void onPartitionsRevoked(
            Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            queue.leading(false);
        }
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        onPartitionsRevoked(consumer, partitions);
    }
}
