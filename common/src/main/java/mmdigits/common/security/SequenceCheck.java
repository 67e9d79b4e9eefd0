package mmdigits.common.security;

import java.security.PublicKey;
import java.util.function.ToLongFunction;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.ModelPromoted;
import mmdigits.common.proto.ModelRelease;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What a reader of a topic only the trainer writes ({@code digits.models}, {@code
 * digits.promotions}) accepts: a record signed with the trainer's release key whose sequence is
 * above every record accepted before it. Anything else is refused with the reason (and, read live,
 * dead-lettered or counted), so a record written to the topic by anyone else, or an old one sent
 * again, never takes effect. Tombstones pass (they only remove a version).
 *
 * @param <T> the decoded value
 */
public final class SequenceCheck<T> implements TopicLog.Check<T> {
    private final PublicKey key;
    private final String what;
    private final ToLongFunction<T> sequence;
    private long newest = 0;

    private SequenceCheck(PublicKey key, String what, ToLongFunction<T> sequence) {
        this.key = key;
        this.what = what;
        this.sequence = sequence;
    }

    /** Model releases, by their {@code release_sequence}. */
    public static SequenceCheck<ModelRelease> releases(PublicKey key) {
        return new SequenceCheck<>(key, "release", ModelRelease::getReleaseSequence);
    }

    /** Promotions and rollbacks, by their {@code sequence}. */
    public static SequenceCheck<ModelPromoted> promotions(PublicKey key) {
        return new SequenceCheck<>(key, "promotion", ModelPromoted::getSequence);
    }

    @Override
    public void check(ConsumerRecord<String, byte[]> record, T value) {
        ReleaseSignatures.verify(record.value(), record.headers(), key, what);
        long s = sequence.applyAsLong(value);
        if (s <= newest) {
            throw new SecurityException(
                    what
                            + " sequence "
                            + s
                            + " is not above "
                            + newest
                            + ", the newest accepted: a replayed or out-of-order "
                            + what);
        }
        newest = s;
    }
}
