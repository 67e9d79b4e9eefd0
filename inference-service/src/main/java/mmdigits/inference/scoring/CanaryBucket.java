package mmdigits.inference.scoring;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Which streamed samples a canary scores: the bucket (0..99) of a sample is a stable hash of
 * (sample id, candidate version) — the first four bytes of SHA-256 over {@code id + '\n' +
 * version}, read as an unsigned big-endian number, modulo 100 — and a sample whose bucket is below
 * the canary's percent goes to the candidate. Sticky: the same sample always lands on the same side
 * for one candidate version, on every replica and after every restart; a new candidate version
 * reshuffles.
 */
public final class CanaryBucket {
    private CanaryBucket() {}

    /** The sample's bucket, 0..99, for a candidate version. */
    public static int of(String sampleId, String candidateVersion) {
        byte[] h = sha256((sampleId + '\n' + candidateVersion).getBytes(StandardCharsets.UTF_8));
        long first =
                ((h[0] & 0xffL) << 24)
                        | ((h[1] & 0xffL) << 16)
                        | ((h[2] & 0xffL) << 8)
                        | (h[3] & 0xffL);
        return (int) (first % 100);
    }

    /** Whether a canary of {@code percent} % scores the sample. */
    public static boolean toCandidate(String sampleId, String candidateVersion, int percent) {
        return of(sampleId, candidateVersion) < percent;
    }

    private static byte[] sha256(byte[] in) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(in);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
