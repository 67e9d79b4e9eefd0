package mmdigits.trainer.training;

import ai.djl.metric.Metrics;
import ai.djl.training.Trainer;
import ai.djl.training.evaluator.Evaluator;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.util.ArrayList;
import java.util.List;

/**
 * Passes DJL's training events on to a {@link FusionTrainer.Listener}: after every batch the
 * samples done and the epoch's running loss and accuracy, after every epoch an {@link
 * FusionTrainer.Epoch} with the training and validation figures DJL's {@link
 * EvaluatorTrainingListener} recorded (so it must come after that one). The service logs and
 * publishes these; {@code bench/} prints them.
 */
final class ProgressListener extends TrainingListenerAdapter {
    private final FusionTrainer.Listener listener;
    private final int epochs;
    private final long samplesPerEpoch;
    private final List<FusionTrainer.Epoch> history = new ArrayList<>();
    private int epoch = 1;
    private long samplesDone;
    private long epochStart;
    private long trainingEnd;

    ProgressListener(FusionTrainer.Listener listener, int epochs, long samplesPerEpoch) {
        this.listener = listener;
        this.epochs = epochs;
        this.samplesPerEpoch = samplesPerEpoch;
    }

    List<FusionTrainer.Epoch> history() {
        return List.copyOf(history);
    }

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        if (samplesDone == 0) {
            epochStart = System.nanoTime();
        }
        samplesDone += batchData.getBatch().getSize();
        trainingEnd = System.nanoTime();
        listener.onBatch(
                epoch,
                samplesDone,
                samplesPerEpoch,
                running(trainer.getLoss()),
                running(accuracy(trainer)));
    }

    @Override
    public void onEpoch(Trainer trainer) {
        Metrics metrics = trainer.getMetrics();
        double seconds = (trainingEnd - epochStart) / 1e9;
        FusionTrainer.Epoch e =
                new FusionTrainer.Epoch(
                        epoch,
                        epochs,
                        latest(metrics, trainer.getLoss(), EvaluatorTrainingListener.TRAIN_EPOCH),
                        latest(metrics, accuracy(trainer), EvaluatorTrainingListener.TRAIN_EPOCH),
                        latest(
                                metrics,
                                accuracy(trainer),
                                EvaluatorTrainingListener.VALIDATE_EPOCH),
                        seconds,
                        samplesDone / seconds);
        history.add(e);
        listener.onEpoch(e);
        epoch++;
        samplesDone = 0;
    }

    /** The {@code Accuracy} evaluator the trainer was configured with. */
    static Evaluator accuracy(Trainer trainer) {
        return trainer.getEvaluators().stream()
                .filter(ev -> ev.getName().equals("Accuracy"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no Accuracy evaluator"));
    }

    /** The epoch so far (DJL's per-epoch accumulator, updated before this listener). */
    private static double running(Evaluator evaluator) {
        return evaluator.getAccumulator(EvaluatorTrainingListener.TRAIN_EPOCH);
    }

    static double latest(Metrics metrics, Evaluator evaluator, String stage) {
        String name = EvaluatorTrainingListener.metricName(evaluator, stage);
        return metrics.hasMetric(name)
                ? metrics.latestMetric(name).getValue().doubleValue()
                : Double.NaN;
    }
}
