package mmdigits.inference;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import mmdigits.inference.config.InferenceConfig;

/** The service's settings for plain unit tests: the defaults, overridden by {@code values}. */
public final class InferenceConfigs {
    private InferenceConfigs() {}

    public static InferenceConfig of(Map<String, String> values) {
        SmallRyeConfig c =
                new SmallRyeConfigBuilder()
                        .withMapping(InferenceConfig.class)
                        .withConverter(Duration.class, 100, new DurationConverter())
                        .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                        .withDefaultValues(values)
                        .build();
        return c.getConfigMapping(InferenceConfig.class);
    }
}
