package mmdigits.inference.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The canary's sticky bucket of a request id: stable, reproducible anywhere, spread evenly. */
class CanaryRouterTest {
    @Test
    void aRequestIdsBucketIsTheSha256OfVersionAndIdModulo100() {
        // reference values from Python: int.from_bytes(sha256(version + b"\0" + id)[:8], "big",
        // signed=True) % 100
        assertThat(CanaryRouter.bucket("sticky-0", "v2")).isEqualTo(28);
        assertThat(CanaryRouter.bucket("user-42", "v2")).isEqualTo(48);
        assertThat(CanaryRouter.bucket("user-42", "v3"))
                .as("another canary reshuffles")
                .isEqualTo(57);
        assertThat(CanaryRouter.bucket("req-1", "20260101-abc")).isEqualTo(72);
    }

    @Test
    void bucketsAreSpreadEvenly() {
        int[] counts = new int[100];
        for (int i = 0; i < 100_000; i++) {
            counts[CanaryRouter.bucket("request-" + i, "v2")]++;
        }
        // 1,000 expected per bucket, σ ≈ 31.5: every bucket within 5σ
        for (int b = 0; b < 100; b++) {
            assertThat(counts[b]).as("bucket %d", b).isBetween(842, 1158);
        }
    }
}
