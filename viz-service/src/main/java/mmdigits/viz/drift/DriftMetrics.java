package mmdigits.viz.drift;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import mmdigits.viz.config.VizConfig;

/**
 * The drift measures as gauges (docs/metrics.md, docs/drift.md): per served version the MMD² of its
 * live embeddings, the input shift per modality and the window's size, registered when a version
 * first has both a reference and live embeddings; and the thresholds, so the alert rules read them
 * from the one place they are configured.
 */
@Startup
@ApplicationScoped
public class DriftMetrics {
    private final MeterRegistry meters;
    private final DriftMonitor monitor;
    private final Set<String> registered = ConcurrentHashMap.newKeySet();

    public DriftMetrics(MeterRegistry meters, DriftMonitor monitor, VizConfig config) {
        this.meters = meters;
        this.monitor = monitor;
        Gauge.builder("mmdigits.viz.drift.mmd.threshold", () -> config.drift().mmdThreshold())
                .description("MMD² above which a version's live embeddings count as drifted")
                .register(meters);
        Gauge.builder(
                        "mmdigits.viz.drift.input.shift.threshold",
                        () -> config.drift().inputShiftThreshold())
                .description(
                        "Input shift above which a modality of the live stream counts as drifted")
                .register(meters);
        monitor.onServed(this::register);
        monitor.versions().forEach(this::register);
    }

    private void register(String version) {
        if (!registered.add(version)) {
            return;
        }
        for (String part : monitor.reference(version).map(DriftMetrics::parts).orElse(List.of())) {
            gauge("mmdigits.viz.drift.mmd", version, "", v -> v.mmd(part))
                    .tag("part", part)
                    .description(
                            "Unbiased MMD² (RBF kernel) between the live embeddings and the training reference")
                    .register(meters);
        }
        gauge("mmdigits.viz.drift.input.shift", version, "image", DriftMonitor.Values::imageShift)
                .description(
                        "Mean standardized shift of the live inputs from the training statistics")
                .register(meters);
        gauge("mmdigits.viz.drift.input.shift", version, "audio", DriftMonitor.Values::audioShift)
                .description(
                        "Mean standardized shift of the live inputs from the training statistics")
                .register(meters);
        gauge("mmdigits.viz.drift.window.samples", version, "", v -> v.embeddings())
                .description("Live embeddings of the version in the drift window")
                .register(meters);
    }

    private static List<String> parts(Reference ref) {
        return ref.parts().stream().map(Reference.Part::name).toList();
    }

    private Gauge.Builder<DriftMonitor> gauge(
            String name, String version, String modality, ToDoubleFunction<DriftMonitor.Values> f) {
        Gauge.Builder<DriftMonitor> b =
                Gauge.builder(
                                name,
                                monitor,
                                m -> m.values(version).map(f::applyAsDouble).orElse(Double.NaN))
                        .tag("version", version);
        return modality.isEmpty() ? b : b.tag("modality", modality);
    }
}
