package mmdigits.inference.kserve;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.CompletionException;
import mmdigits.common.sample.Dimensions;
import mmdigits.common.sample.TensorNames;
import mmdigits.inference.model.BusyException;
import mmdigits.inference.model.ModelInfo;
import mmdigits.inference.model.ModelRegistry;
import mmdigits.inference.model.NoModelException;
import mmdigits.inference.model.UnknownModelException;

/**
 * The Open Inference Protocol's view of the model registry, the same over REST and gRPC: which
 * model a name and version mean, readiness, metadata, and a scoring failure as the protocol's
 * error.
 */
@ApplicationScoped
public class ServedModels {
    public static final String SERVER_NAME = "mmdigits-inference";
    public static final String SERVER_VERSION = "0.1.0";

    private final ModelRegistry registry;

    public ServedModels(ModelRegistry registry) {
        this.registry = registry;
    }

    public String alias() {
        return registry.alias();
    }

    /** Ready when a model is loaded for the alias. */
    public boolean serverReady() {
        return registry.served() != null;
    }

    /**
     * The model a name (the alias, or a registered name) and a version (null: the alias' target or
     * the name's newest loaded version) mean.
     *
     * @throws KServeException 503 without any model, 404 for an unknown name or version
     */
    public ModelInfo model(String name, String version) {
        try {
            return registry.find(name, version);
        } catch (NoModelException e) {
            throw new KServeException(503, e.getMessage());
        } catch (UnknownModelException e) {
            throw new KServeException(404, e.getMessage());
        }
    }

    /**
     * Whether a model is ready on this replica: a version only while it is loaded (false the moment
     * it is unloaded, still registered); the alias once its target is loaded; a name while one of
     * its versions is.
     *
     * @throws KServeException 404 for a name or version that is not registered (nor loaded)
     */
    public boolean modelReady(String name, String version) {
        boolean isAlias = name.equals(registry.alias());
        if (isAlias && version == null) {
            return registry.served() != null;
        }
        List<ModelRegistry.VersionState> index = registry.index();
        List<ModelRegistry.VersionState> matching =
                index.stream()
                        .filter(v -> isAlias || v.name().equals(name))
                        .filter(v -> version == null || v.version().equals(version))
                        .toList();
        if (matching.isEmpty()) {
            model(name, version); // 404 with the served names, or (loaded directly) ready
            return true;
        }
        return matching.stream().anyMatch(v -> v.state() == ModelRegistry.State.READY);
    }

    /**
     * Metadata of a model: the versions it answers with, the inputs and outputs (FP32, [-1,
     * width]).
     */
    public KServe.ModelMetadata metadata(String name, String version) {
        ModelInfo m = model(name, version);
        List<String> versions =
                name.equals(registry.alias())
                        ? List.of(m.version())
                        : registry.loaded().stream()
                                .filter(l -> l.name().equals(name))
                                .map(ModelInfo::version)
                                .toList();
        return new KServe.ModelMetadata(
                name,
                versions,
                KServe.PLATFORM,
                List.of(
                        tensor(TensorNames.IMAGE, Dimensions.IMAGE),
                        tensor(TensorNames.AUDIO, Dimensions.AUDIO)),
                List.of(
                        tensor(TensorNames.PROBABILITIES, Dimensions.CLASSES),
                        tensor(TensorNames.EMBEDDING, m.embeddingDim())));
    }

    private static KServe.TensorMetadata tensor(String name, long width) {
        return new KServe.TensorMetadata(name, KServe.FP32, List.of(-1L, width));
    }

    /**
     * A scoring failure as the protocol's error: 503 without a model or when busy, 404 for an
     * unknown one, else 500.
     */
    public static KServeException error(Throwable failure) {
        Throwable t =
                failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause()
                        : failure;
        if (t instanceof KServeException k) {
            return k;
        }
        if (t instanceof NoModelException) {
            return new KServeException(503, t.getMessage());
        }
        if (t instanceof UnknownModelException) {
            return new KServeException(404, t.getMessage());
        }
        if (t instanceof BusyException busy) {
            return new KServeException(503, busy.getMessage(), busy.retryAfterSeconds());
        }
        return new KServeException(500, "inference failed: " + t.getMessage());
    }
}
