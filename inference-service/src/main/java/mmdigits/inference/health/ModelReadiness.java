package mmdigits.inference.health;

import jakarta.enterprise.context.ApplicationScoped;
import mmdigits.inference.model.ModelInfo;
import mmdigits.inference.model.ModelRegistry;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready when the alias has a model: before that, every prediction would be a 503. */
@Readiness
@ApplicationScoped
public class ModelReadiness implements HealthCheck {
    private final ModelRegistry registry;

    public ModelReadiness(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public HealthCheckResponse call() {
        ModelInfo m = registry.served();
        if (m == null) {
            return HealthCheckResponse.named("model-loaded")
                    .down()
                    .withData("model", registry.alias())
                    .withData("reason", "no release read from digits.models yet")
                    .build();
        }
        return HealthCheckResponse.named("model-loaded")
                .up()
                .withData("model", registry.alias())
                .withData("name", m.name())
                .withData("version", m.version())
                .withData("dataset", m.dataset())
                .build();
    }
}
