package mmdigits.common.security;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import mmdigits.common.Topics;
import mmdigits.common.kafka.ModelKeys;
import mmdigits.common.proto.ModelPromoted;
import mmdigits.common.proto.ModelRelease;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * What the trainer signs with the release key: model releases on {@code digits.models} and
 * promotions (and rollbacks) on {@code digits.promotions}. The exact bytes of the record's value
 * are signed with Ed25519 and the signature travels in the record's {@value #HEADER} header; a
 * reader verifies those bytes as received, so nothing has to be re-encoded to check them. Each
 * value carries a sequence inside the signed bytes ({@code release_sequence}, {@code sequence}): a
 * replayed old record carries its old sequence ({@link SequenceCheck}).
 */
public final class ReleaseSignatures {
    public static final String HEADER = "mmdigits-signature";
    public static final String ALGORITHM = "Ed25519";

    private ReleaseSignatures() {}

    /**
     * The record of a release on {@code digits.models}, keyed {@code name/version}, its value
     * signed.
     */
    public static ProducerRecord<String, byte[]> record(ModelRelease release, PrivateKey key) {
        return signed(
                Topics.MODELS,
                ModelKeys.of(release.getName(), release.getVersion()),
                release.toByteArray(),
                key);
    }

    /** The record of a promotion or rollback on {@code digits.promotions}, keyed by its alias. */
    public static ProducerRecord<String, byte[]> record(ModelPromoted promotion, PrivateKey key) {
        return signed(Topics.PROMOTIONS, promotion.getAlias(), promotion.toByteArray(), key);
    }

    private static ProducerRecord<String, byte[]> signed(
            String topic, String recordKey, byte[] value, PrivateKey key) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(topic, recordKey, value);
        r.headers().add(HEADER, sign(value, key));
        return r;
    }

    public static byte[] sign(byte[] value, PrivateKey key) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(key);
            s.update(value);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "cannot sign with the release signing key: " + e.getMessage(), e);
        }
    }

    /**
     * @param what what the record is ("release", "promotion"), for the message
     * @throws SecurityException naming what is wrong: no signature, or one that does not verify
     */
    public static void verify(byte[] value, Headers headers, PublicKey key, String what) {
        Header h = headers.lastHeader(HEADER);
        if (h == null || h.value() == null || h.value().length == 0) {
            throw new SecurityException(
                    "the " + what + " is not signed (no " + HEADER + " header)");
        }
        boolean valid;
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            s.update(value);
            valid = s.verify(h.value());
        } catch (GeneralSecurityException e) {
            valid = false;
        }
        if (!valid) {
            throw new SecurityException(
                    "the "
                            + what
                            + "'s signature does not verify with the release verify key (mmdigits.releases.verify-key)");
        }
    }
}
