package mmdigits.inference.model;

import java.util.Map;
import mmdigits.common.kafka.ModelKeys;

/**
 * What status pages, readiness and the protocols' metadata routes read of a loaded model; scoring
 * goes through {@code scoring.Scorer}, so nothing outside the registry and the scorer holds a
 * {@link LoadedModel}.
 *
 * @param sequence the release's place on digits.models: later releases have larger sequences
 */
public record ModelInfo(
        String name,
        String version,
        String dataset,
        long sequence,
        long createdMs,
        int embeddingDim,
        Map<String, Double> metrics) {

    /** The registry key, {@code <name>/<version>}. */
    public String key() {
        return ModelKeys.of(name, version);
    }
}
