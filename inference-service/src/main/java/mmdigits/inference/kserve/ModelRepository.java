package mmdigits.inference.kserve;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import mmdigits.inference.model.ModelRegistry;
import mmdigits.inference.model.UnknownModelException;

/**
 * The model repository extension (as Triton names it; the same over REST and gRPC): the index of
 * every registered version with its state on this replica, and load / unload of a version on this
 * replica. Registered versions come from digits.models; what a replica loads by itself (the alias'
 * target and candidate, the newest releases, what jobs need) it keeps; a version loaded on request
 * stays loaded, one unloaded on request stays unloaded, until asked otherwise. The alias' target
 * and candidate and the versions a scoring job needs cannot be unloaded (409).
 */
@ApplicationScoped
public class ModelRepository {
    static final Duration LOAD_TIMEOUT = Duration.ofMinutes(2);

    private final ModelRegistry registry;

    public ModelRepository(ModelRegistry registry) {
        this.registry = registry;
    }

    /** Every registered version, oldest release first; only the loaded ones with {@code ready}. */
    public List<KServe.RepositoryModel> index(boolean readyOnly) {
        return registry.index().stream()
                .filter(v -> !readyOnly || v.state() == ModelRegistry.State.READY)
                .map(ModelRepository::entry)
                .toList();
    }

    /**
     * Loads a version (null: the name's newest) and waits until it is ready.
     *
     * @throws KServeException 404 unknown, 500 could not be loaded
     */
    public KServe.RepositoryModel load(String name, String version) {
        try {
            return entry(registry.loadOnRequest(name, version, LOAD_TIMEOUT));
        } catch (UnknownModelException e) {
            throw new KServeException(404, e.getMessage());
        } catch (IllegalStateException e) {
            throw new KServeException(500, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KServeException(503, "interrupted while loading");
        }
    }

    /**
     * Unloads a version (null: every loaded version of the name) from this replica; nothing is
     * unloaded when one of them may not be.
     *
     * @throws KServeException 404 unknown, 409 the alias or a job needs it
     */
    public List<KServe.RepositoryModel> unload(String name, String version) {
        // the alias' name alone means its target (which the checks refuse)
        List<String> versions =
                version != null || name.equals(registry.alias())
                        ? Collections.singletonList(version)
                        : loadedVersions(name);
        if (versions.isEmpty()) {
            throw new KServeException(404, "no version of model '" + name + "' is loaded");
        }
        try {
            versions.forEach(v -> registry.checkUnloadable(name, v));
            List<KServe.RepositoryModel> out = new ArrayList<>();
            for (String v : versions) {
                out.add(entry(registry.unloadOnRequest(name, v)));
            }
            return out;
        } catch (UnknownModelException e) {
            throw new KServeException(404, e.getMessage());
        } catch (IllegalStateException e) {
            throw new KServeException(409, e.getMessage());
        }
    }

    private List<String> loadedVersions(String name) {
        return registry.index().stream()
                .filter(v -> v.name().equals(name) && v.state() == ModelRegistry.State.READY)
                .map(ModelRegistry.VersionState::version)
                .toList();
    }

    private static KServe.RepositoryModel entry(ModelRegistry.VersionState v) {
        return new KServe.RepositoryModel(v.name(), v.version(), v.state().name(), v.reason());
    }
}
