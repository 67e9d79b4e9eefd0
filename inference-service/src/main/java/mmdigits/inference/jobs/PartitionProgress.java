package mmdigits.inference.jobs;

/**
 * The scoring jobs' progress on one partition of the test topic, kept in the metadata of the
 * consumer group's committed offset and committed in the same transaction as the predictions: every
 * job with a sequence up to {@code doneSeq} is done (or has nothing here), and job {@code
 * activeSeq} has scored the records before {@code activeOffset}. Whichever replica owns the
 * partition next continues from exactly there.
 */
public record PartitionProgress(long doneSeq, long activeSeq, long activeOffset) {
    private static final String PREFIX = "j1:";

    public static final PartitionProgress NONE = new PartitionProgress(-1, -1, -1);

    public static PartitionProgress parse(String metadata) {
        if (metadata == null || !metadata.startsWith(PREFIX)) {
            return NONE;
        }
        String[] f = metadata.substring(PREFIX.length()).split(":");
        try {
            return new PartitionProgress(
                    Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]));
        } catch (RuntimeException e) {
            return NONE;
        }
    }

    public String encode() {
        return PREFIX + doneSeq + ":" + activeSeq + ":" + activeOffset;
    }

    public boolean active() {
        return activeSeq >= 0;
    }

    public PartitionProgress start(ScoringJob job, long firstOffset) {
        return new PartitionProgress(doneSeq, job.seq(), firstOffset);
    }

    public PartitionProgress advance(long nextOffset) {
        return new PartitionProgress(doneSeq, activeSeq, nextOffset);
    }

    public PartitionProgress done() {
        return new PartitionProgress(Math.max(doneSeq, activeSeq), -1, -1);
    }
}
