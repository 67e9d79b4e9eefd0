package mmdigits.inference.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The canary's sticky bucket of a request id or a streamed sample's id (one rule for both): stable,
 * reproducible anywhere, spread evenly.
 */
class CanaryBucketTest {
    @Test
    void anIdsBucketIsTheSha256OfIdAndVersionModulo100() {
        // reference values from Python:
        // int.from_bytes(sha256((id + "\n" + version).encode())[:4], "big") % 100
        assertThat(CanaryBucket.of("sticky-0", "v2")).isEqualTo(64);
        assertThat(CanaryBucket.of("user-42", "v2")).isEqualTo(57);
        assertThat(CanaryBucket.of("user-42", "v3")).as("another canary reshuffles").isEqualTo(9);
        assertThat(CanaryBucket.of("req-1", "20260101-abc")).isEqualTo(45);
        assertThat(CanaryBucket.toCandidate("user-42", "v3", 10)).isTrue();
        assertThat(CanaryBucket.toCandidate("user-42", "v3", 9)).isFalse();
    }

    @Test
    void bucketsAreSpreadEvenly() {
        int[] counts = new int[100];
        for (int i = 0; i < 100_000; i++) {
            counts[CanaryBucket.of("request-" + i, "v2")]++;
        }
        // 1,000 expected per bucket, σ ≈ 31.5: every bucket within 5σ
        for (int b = 0; b < 100; b++) {
            assertThat(counts[b]).as("bucket %d", b).isBetween(842, 1158);
        }
    }
}
