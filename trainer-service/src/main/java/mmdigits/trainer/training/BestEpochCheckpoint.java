package mmdigits.trainer.training;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.Trainer;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Keeps the parameters of the epoch with the best validation accuracy (in memory; on a tie the
 * later epoch, trained longer). Must come after DJL's {@link EvaluatorTrainingListener}, whose
 * validation figure it reads. {@link #restore} puts them back into the block after training.
 */
final class BestEpochCheckpoint extends TrainingListenerAdapter {
    private final Block block;
    private int epoch;
    private int bestEpoch;
    private double bestAccuracy = Double.NEGATIVE_INFINITY;
    private byte[] parameters;

    BestEpochCheckpoint(Block block) {
        this.block = block;
    }

    @Override
    public void onEpoch(Trainer trainer) {
        epoch++;
        double accuracy =
                ProgressListener.latest(
                        trainer.getMetrics(),
                        ProgressListener.accuracy(trainer),
                        EvaluatorTrainingListener.VALIDATE_EPOCH);
        if (accuracy >= bestAccuracy) {
            bestAccuracy = accuracy;
            bestEpoch = epoch;
            parameters = save(block);
        }
    }

    int bestEpoch() {
        return bestEpoch;
    }

    byte[] parameters() {
        return parameters.clone();
    }

    void restore(NDManager manager) {
        try {
            block.loadParameters(
                    manager, new DataInputStream(new ByteArrayInputStream(parameters)));
        } catch (IOException | MalformedModelException e) {
            throw new IllegalStateException("cannot restore epoch " + bestEpoch, e);
        }
    }

    static byte[] save(Block block) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            block.saveParameters(new DataOutputStream(out));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
