package mmdigits.trainer.health;

import jakarta.enterprise.context.ApplicationScoped;
import mmdigits.trainer.messaging.TrainerLogs;
import mmdigits.trainer.service.TrainingService;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the events, releases and promotions were read to the ends they had at start: before
 * that a replica (a new one, or one started again) would answer 404 for runs the others know, and
 * its registry pages would be short.
 */
@Readiness
@ApplicationScoped
public class RunsReadiness implements HealthCheck {
    private final TrainerLogs logs;
    private final TrainingService trainings;

    public RunsReadiness(TrainerLogs logs, TrainingService trainings) {
        this.logs = logs;
        this.trainings = trainings;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("runs-read")
                .status(logs.caughtUp())
                .withData("runs", trainings.runs(null).size())
                .build();
    }
}
