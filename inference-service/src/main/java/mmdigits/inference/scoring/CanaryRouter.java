package mmdigits.inference.scoring;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import mmdigits.common.events.Promotions;
import mmdigits.inference.model.LoadedModel;
import mmdigits.inference.model.ModelRegistry;

/**
 * Which model answers a request, the one place the alias' canary is decided: a request for the
 * alias without a version goes to a loaded {@code CANARY} candidate with probability percent/100,
 * else to the alias' target. With a request id the choice is sticky: {@link CanaryBucket} (id,
 * candidate version) picks a bucket 0..99, the same on every replica and every retry, so one id
 * always meets the same version during one canary; without an id, the bucket is random. A request
 * naming a version or another model is never rerouted, and a {@code SHADOW} candidate never
 * answers.
 */
@ApplicationScoped
public class CanaryRouter {
    /** Why a model answers: the alias' target, its canary, or the request named it. */
    public enum Role {
        TARGET,
        CANARY,
        EXPLICIT;

        /** The value of the {@code role} metric tag. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The answering model, held (pair with {@link LoadedModel#release()}), and its role. */
    public record Route(LoadedModel model, Role role) {}

    private final ModelRegistry registry;

    public CanaryRouter(ModelRegistry registry) {
        this.registry = registry;
    }

    /**
     * Takes a reference on the model that answers a request.
     *
     * @throws mmdigits.inference.model.NoModelException the alias has no model yet
     * @throws mmdigits.inference.model.UnknownModelException no such name or version is served
     */
    public Route route(String name, String version, String requestId) {
        if (!forAlias(name, version)) {
            return new Route(registry.acquire(name, version), Role.EXPLICIT);
        }
        Optional<Promotions.Candidate> canary =
                registry.candidate().filter(Promotions.Candidate::canary);
        if (canary.isPresent() && bucket(requestId, canary.get()) < canary.get().percent()) {
            LoadedModel m = acquireCanary(canary.get());
            if (m != null) {
                return new Route(m, Role.CANARY);
            }
        }
        return new Route(registry.acquire(), Role.TARGET);
    }

    /** The role a request would have, for a request that failed before it was routed. */
    public Role roleOf(String name, String version) {
        return forAlias(name, version) ? Role.TARGET : Role.EXPLICIT;
    }

    private boolean forAlias(String name, String version) {
        return version == null && (name == null || name.isEmpty() || name.equals(registry.alias()));
    }

    /** The canary's model, or null when the candidate changed since it was read. */
    private LoadedModel acquireCanary(Promotions.Candidate c) {
        LoadedModel m = registry.acquireCandidate();
        if (m != null
                && !(m.name().equals(c.target().name())
                        && m.version().equals(c.target().version()))) {
            m.release();
            return null;
        }
        return m;
    }

    private static int bucket(String requestId, Promotions.Candidate c) {
        return requestId == null || requestId.isEmpty()
                ? ThreadLocalRandom.current().nextInt(100)
                : CanaryBucket.of(requestId, c.target().version());
    }
}
