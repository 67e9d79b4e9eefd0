package mmdigits.common.tracing;

import io.quarkus.runtime.annotations.StaticInitSafe;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Tracing is off unless an OTLP endpoint is configured: the default of {@value #SDK_DISABLED} is
 * {@code true} without {@value #ENDPOINT} (or {@value #TRACES_ENDPOINT}) and {@code false} with
 * one, so setting {@code QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT} is the one switch. Quarkus' own
 * default is an enabled SDK exporting to {@code localhost:4317} — an address nobody configured,
 * which nothing of ours may call. A config source of low ordinal ({@value #ORDINAL}, below {@code
 * application.properties}, the environment and system properties), so an explicit {@value
 * #SDK_DISABLED} anywhere still wins. Registered for every service in {@code
 * META-INF/services/io.smallrye.config.ConfigSourceFactory}; safe at static init (it reads other
 * sources only), so both phases of a start see the same value.
 */
@StaticInitSafe
public final class TracingDefaults implements ConfigSourceFactory {
    public static final String SDK_DISABLED = "quarkus.otel.sdk.disabled";
    public static final String ENDPOINT = "quarkus.otel.exporter.otlp.endpoint";
    public static final String TRACES_ENDPOINT = "quarkus.otel.exporter.otlp.traces.endpoint";
    static final int ORDINAL = 110;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        boolean endpoint =
                configured(context.getValue(ENDPOINT))
                        || configured(context.getValue(TRACES_ENDPOINT));
        return List.of(
                new PropertiesConfigSource(
                        Map.of(SDK_DISABLED, Boolean.toString(!endpoint)),
                        "mmdigits tracing: off without an OTLP endpoint",
                        ORDINAL));
    }

    /**
     * Set by someone: in a source above this one (application.properties, the environment, system
     * properties) — the extension's own default ({@code http://localhost:4317/}) is in the defaults
     * source, below.
     */
    private static boolean configured(ConfigValue value) {
        return value != null
                && value.getValue() != null
                && !value.getValue().isBlank()
                && value.getConfigSourceOrdinal() > ORDINAL;
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }
}
