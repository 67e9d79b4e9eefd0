package mmdigits.inference.model;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Locale;
import mmdigits.common.sample.Dimensions;

/** Counts predictions by source (http, stream) and predicted label. */
@ApplicationScoped
public class PredictionMetrics {
    public enum Source {
        HTTP,
        STREAM
    }

    private final Counter[][] counters = new Counter[Source.values().length][Dimensions.CLASSES];

    public PredictionMetrics(MeterRegistry meters) {
        for (Source s : Source.values()) {
            for (int k = 0; k < Dimensions.CLASSES; k++) {
                counters[s.ordinal()][k] =
                        Counter.builder("mmdigits.inference.predictions")
                                .description("Predictions by source and predicted label")
                                .tag("source", s.name().toLowerCase(Locale.ROOT))
                                .tag("label", Integer.toString(k))
                                .register(meters);
            }
        }
    }

    public void record(Source source, Scores scores) {
        for (int i = 0; i < scores.n(); i++) {
            counters[source.ordinal()][scores.label(i)].increment();
        }
    }
}
