package mmdigits.trainer.service;

import io.quarkus.logging.Log;
import mmdigits.trainer.messaging.KafkaOutput;
import mmdigits.trainer.metrics.TrainerMetrics;
import mmdigits.trainer.training.FusionTrainer;

/**
 * A running run's progress: a log line with a bar at most every 2 s of an epoch, and per epoch a
 * log line, the metrics, the run's state and a TrainingProgress event. Every batch first asks
 * {@code stopCheck} whether the run must stop (cancelled or handed over: it throws).
 */
final class RunProgress implements FusionTrainer.Listener {
    private static final long LOG_EVERY_NANOS = 2_000_000_000L;
    private static final int BAR = 20;

    private final String id;
    private final int epochs;
    private final RunBook book;
    private final TrainerMetrics metrics;
    private final KafkaOutput output;
    private final Runnable stopCheck;
    private long lastLog;

    RunProgress(
            String id,
            int epochs,
            RunBook book,
            TrainerMetrics metrics,
            KafkaOutput output,
            Runnable stopCheck) {
        this.id = id;
        this.epochs = epochs;
        this.book = book;
        this.metrics = metrics;
        this.output = output;
        this.stopCheck = stopCheck;
    }

    @Override
    public void onBatch(int epoch, long done, long total, double loss, double accuracy) {
        stopCheck.run();
        long now = System.nanoTime();
        if (now - lastLog > LOG_EVERY_NANOS || done == total) {
            lastLog = now;
            double share = done / (double) Math.max(1, total);
            book.update(id, r -> r.toBuilder().epochProgress(share).build());
            logBar(epoch, done, Math.max(1, total), loss, accuracy);
        }
    }

    private void logBar(int epoch, long done, long total, double loss, double accuracy) {
        int filled = (int) (BAR * done / total);
        Log.infof(
                "epoch %d/%d [%s%s] %3d%% loss %.4f acc %.4f",
                epoch,
                epochs,
                "#".repeat(filled),
                "-".repeat(BAR - filled),
                100 * done / total,
                loss,
                accuracy);
    }

    @Override
    public void onEpoch(FusionTrainer.Epoch e) {
        metrics.epoch(e);
        book.update(id, r -> r.afterEpoch(e));
        Log.infof(
                "epoch %d/%d: loss %.4f, train accuracy %.4f, validation accuracy %.4f, %.1f s, %,.0f samples/s",
                e.epoch(),
                e.epochs(),
                e.loss(),
                e.trainAccuracy(),
                e.validationAccuracy(),
                e.seconds(),
                e.samplesPerSecond());
        output.send(id, RunMessages.progress(id, e));
    }

    @Override
    public void onPhase(String phase) {
        Log.info(phase);
    }
}
