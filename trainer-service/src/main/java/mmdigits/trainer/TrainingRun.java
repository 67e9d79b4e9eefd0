package mmdigits.trainer;

import java.util.List;
import java.util.Map;

import mmdigits.trainer.training.FusionTrainer;

/** The state of one training run, as GET /trainings shows it. */
public record TrainingRun(String id, String dataset, String state, String phase, int epoch, int epochs, Double loss,
        Double trainAccuracy, Double validationAccuracy, String device, long trainSamples, long validationSamples,
        Map<String, Double> metrics, List<FusionTrainer.Epoch> history, String modelVersion, String error, long startedMs,
        Long finishedMs, Double seconds) {

    public static final String QUEUED = "QUEUED";
    public static final String LOADING = "LOADING";
    public static final String TRAINING = "TRAINING";
    public static final String EXPORTING = "EXPORTING";
    public static final String RELEASED = "RELEASED";
    public static final String FAILED = "FAILED";

    public boolean finished() {
        return RELEASED.equals(state) || FAILED.equals(state);
    }
}
