package mmdigits.common.security;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import mmdigits.common.Topics;
import mmdigits.common.kafka.ModelKeys;
import mmdigits.common.proto.ModelRelease;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Signed model releases: the trainer signs the exact bytes of a release record's value with Ed25519
 * and sends the signature in the record's {@value #HEADER} header; a reader verifies those bytes as
 * received, so nothing has to be re-encoded to check them. The release's {@code release_sequence}
 * is inside the signed bytes: a replayed old release carries its old sequence.
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
        byte[] value = release.toByteArray();
        ProducerRecord<String, byte[]> r =
                new ProducerRecord<>(
                        Topics.MODELS,
                        ModelKeys.of(release.getName(), release.getVersion()),
                        value);
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
     * @throws SecurityException naming what is wrong: no signature, or one that does not verify
     */
    public static void verify(byte[] value, Headers headers, PublicKey key) {
        Header h = headers.lastHeader(HEADER);
        if (h == null || h.value() == null || h.value().length == 0) {
            throw new SecurityException("the release is not signed (no " + HEADER + " header)");
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
                    "the release's signature does not verify with the release verify key (mmdigits.releases.verify-key)");
        }
    }
}
