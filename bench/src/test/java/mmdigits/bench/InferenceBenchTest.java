package mmdigits.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The serving summary: medians over rounds, each ratio from the figures of its own round. */
class InferenceBenchTest {

    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(InferenceBench.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(InferenceBench.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
        assertThat(InferenceBench.median(List.of())).isNaN();
    }

    static Map<String, Double> round(double grpc, double raw64) {
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("raw_batch1_samples_per_s", 1000.0);
        f.put("raw_batch64_samples_per_s", raw64);
        f.put("http_echo_c1_per_s", 100.0);
        f.put("http_predict_c1_per_s", 90.0);
        f.put("http_echo_c32_per_s", 400.0);
        f.put("http_predict_c32_per_s", 300.0);
        f.put("http_predict_c1_p99_ms", 2.0);
        f.put("http_echo_c1_p99_ms", 1.0);
        f.put("http_batch64_samples_per_s", 500.0);
        f.put("http_kserve_json_batch64_samples_per_s", 600.0);
        f.put("http_kserve_binary_batch64_samples_per_s", 900.0);
        f.put("grpc_batch64_samples_per_s", grpc);
        return f;
    }

    @Test
    @SuppressWarnings("unchecked")
    void ratiosAreMediansOfPerRoundRatiosWithTheirSpread() {
        // the raw ceiling moves between rounds: a ratio pairs figures of the same round
        List<Map<String, Double>> rounds =
                List.of(round(800, 1000), round(900, 2000), round(600, 1000));
        Map<String, Object> out =
                InferenceBench.summary(
                        Map.of("stream_samples_per_s", 80.0, "passthrough_samples_per_s", 100.0),
                        rounds);
        Map<String, Object> ratios = (Map<String, Object>) out.get("ratios");
        Map<String, Object> grpc = (Map<String, Object>) ratios.get("grpc_vs_raw_batch64");
        // per round 0.8, 0.45, 0.6: median 0.6 (the ratio of the medians would be 800/1000 = 0.8)
        assertThat((double) grpc.get("median")).isCloseTo(0.6, within(1e-12));
        assertThat((double) grpc.get("min")).isCloseTo(0.45, within(1e-12));
        assertThat((double) grpc.get("max")).isCloseTo(0.8, within(1e-12));
        assertThat(out.get("grpc_batch64_samples_per_s")).isEqualTo(800.0);
        assertThat(out.get("rounds")).isEqualTo(3);
        Map<String, Object> stream = (Map<String, Object>) ratios.get("stream_vs_passthrough");
        assertThat((double) stream.get("median")).isCloseTo(0.8, within(1e-12));
        assertThat(ratios).hasSize(InferenceBench.RATIOS.size() + 1);
    }
}
