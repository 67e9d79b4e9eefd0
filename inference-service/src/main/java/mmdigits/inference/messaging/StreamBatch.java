package mmdigits.inference.messaging;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What one iteration of the scoring loop produces, all of it committed in one transaction or none:
 * output records, the partitions whose job progress changed, counts.
 */
final class StreamBatch {
    final List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
    final Set<Integer> changed = new HashSet<>();
    long scored;
    long scoredByJobs;
}
