package mmdigits.viz.console;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import mmdigits.viz.config.VizConfig;
import mmdigits.viz.console.ConsoleView.VersionView;

/**
 * The versions the trainer's registry holds (its {@code GET /models}), when {@code
 * viz.console.trainer-url} is set: the releases on digits.events include versions the registry has
 * removed since ({@code trainer.registry.keep-versions}), and only a registered version can be
 * promoted. Read at most once a second whatever the number of open consoles, and waited for no
 * longer than the page's refresh interval; after a failure asked again only ten seconds later
 * (meanwhile the state shows the releases), so a trainer that is away does not slow the page.
 */
@ApplicationScoped
public class TrainerRegistry {
    private static final long FRESH_NANOS = 1_000_000_000L;
    private static final long RETRY_NANOS = 10_000_000_000L;

    /** A version as the trainer's {@code ModelResource.VersionInfo} has it. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Registered(
            String name,
            String version,
            String dataset,
            String runId,
            Long createdMs,
            Map<String, Double> metrics) {}

    /** The trainer's {@code Registered} answer: the versions, oldest first. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Listing(List<Registered> versions) {}

    private record Read(Optional<List<VersionView>> versions, long atNanos) {}

    private final Optional<URI> trainer;
    private final Duration wait;
    private final ServiceCalls calls;
    private final ObjectMapper json;
    private volatile Read last;
    private volatile boolean failing;

    public TrainerRegistry(VizConfig config, ServiceCalls calls, ObjectMapper json) {
        this.trainer = config.console().trainerUrl();
        this.wait = config.console().refresh();
        this.calls = calls;
        this.json = json;
    }

    /** The registered versions, newest first; empty without a trainer URL or an answer. */
    public Optional<List<VersionView>> versions() {
        Read r = last;
        long age = r == null ? Long.MAX_VALUE : System.nanoTime() - r.atNanos();
        if (age > (r != null && r.versions().isEmpty() ? RETRY_NANOS : FRESH_NANOS)) {
            r = new Read(trainer.flatMap(this::read), System.nanoTime());
            last = r;
        }
        return r.versions();
    }

    private Optional<List<VersionView>> read(URI base) {
        try {
            ServiceCalls.Answer a = calls.get(base, "/models", wait);
            if (a.status() != 200) {
                throw new IllegalStateException("GET /models answered " + a.status());
            }
            List<VersionView> out = new ArrayList<>();
            for (Registered v : json.readValue(a.body(), Listing.class).versions()) {
                out.add(0, view(v));
            }
            failing = false;
            return Optional.of(out);
        } catch (IOException | RuntimeException e) {
            if (!failing) {
                Log.warnf(
                        "the console shows the releases of digits.events: the trainer's registry at %s did not answer (%s)",
                        base, e.getMessage());
            }
            failing = true;
            return Optional.empty();
        }
    }

    private static VersionView view(Registered v) {
        return new VersionView(
                v.name(),
                v.version(),
                v.dataset(),
                v.runId(),
                v.metrics() == null ? null : v.metrics().get("validation_accuracy"),
                v.createdMs(),
                List.of());
    }
}
