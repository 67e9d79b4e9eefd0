package mmdigits.inference.jobs;

import mmdigits.common.events.Publication;
import mmdigits.common.proto.PartitionRange;

/**
 * Score one publication (a test split) with one model version. {@code seq} orders the jobs: derived
 * from the position of the event that created it on {@code digits.events}, so every replica derives
 * the same jobs in the same order. {@code historical}: created from an event that was on the log
 * when this replica started.
 */
public record ScoringJob(
        long seq,
        String name,
        String version,
        Publication publication,
        boolean historical,
        long createdNanos) {

    /** How many jobs one event may create (the seq's low bits). */
    static final int PER_EVENT = 1024;

    /** The job's records on a partition of the test topic, or null when it has none there. */
    public PartitionRange range(int partition) {
        return publication.ranges().get(partition);
    }

    public String describe() {
        return "job "
                + seq
                + ": "
                + name
                + "/"
                + version
                + " scores "
                + publication.id()
                + " ("
                + publication.count()
                + " samples)";
    }
}
