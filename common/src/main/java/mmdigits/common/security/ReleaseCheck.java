package mmdigits.common.security;

import java.security.PublicKey;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.ModelRelease;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What a reader of {@code digits.models} accepts: a release signed by the trainer's key whose
 * sequence is above every release accepted before it. Anything else is refused with the reason
 * (and, read live, dead-lettered), so a release written to the topic by anyone else, or an old one
 * sent again, is never served. Tombstones pass (they only remove a version).
 */
public final class ReleaseCheck implements TopicLog.Check<ModelRelease> {
    private final PublicKey key;
    private long newest = 0;

    public ReleaseCheck(PublicKey key) {
        this.key = key;
    }

    @Override
    public void check(ConsumerRecord<String, byte[]> record, ModelRelease release) {
        ReleaseSignatures.verify(record.value(), record.headers(), key);
        long sequence = release.getReleaseSequence();
        if (sequence <= newest) {
            throw new SecurityException(
                    "release sequence "
                            + sequence
                            + " is not above "
                            + newest
                            + ", the newest accepted: a replayed or out-of-order release");
        }
        newest = sequence;
    }
}
