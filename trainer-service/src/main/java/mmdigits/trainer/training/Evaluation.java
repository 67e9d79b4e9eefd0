package mmdigits.trainer.training;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import mmdigits.trainer.training.DigitsDataset.Modalities;

/** Measuring a trained block on validation rows: DJL's {@link Accuracy} in inference mode. */
final class Evaluation {
    /**
     * Rows per batch when measuring: larger batches are slower per sample on CPU, whose caches the
     * activations of 512 rows overflow (forward in inference mode, 6,000 rows on 2 cores: 512 rows
     * 2,200 samples/s, 256 rows 3,700, 128 rows 5,200-7,000, 64 rows 4,800-6,000).
     */
    static final int EVALUATION_BATCH = 128;

    private Evaluation() {}

    /** In order, unchanged, keeping {@code modalities}. */
    static DigitsDataset evaluationData(
            TrainingSet data, int[] rows, FusionBlock.Normalization norm, Modalities modalities) {
        return DigitsDataset.builder()
                .setRows(data, rows)
                .optModalities(modalities)
                .optBlankAudio(norm.audioMean())
                .setSampling(EVALUATION_BATCH, false)
                .build();
    }

    /** Validation accuracy with both inputs and with each alone. */
    static Map<String, Double> validationMetrics(
            FusionBlock block,
            NDManager m,
            TrainingSet data,
            int[] valRows,
            FusionBlock.Normalization norm)
            throws IOException, TranslateException {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(
                "validation_accuracy", accuracy(block, m, data, valRows, norm, Modalities.BOTH));
        metrics.put(
                "validation_accuracy_image_only",
                accuracy(block, m, data, valRows, norm, Modalities.IMAGE_ONLY));
        metrics.put(
                "validation_accuracy_audio_only",
                accuracy(block, m, data, valRows, norm, Modalities.AUDIO_ONLY));
        return metrics;
    }

    /** DJL's {@link Accuracy} of the block (inference mode) on the rows. */
    static double accuracy(
            FusionBlock block,
            NDManager parent,
            TrainingSet data,
            int[] rows,
            FusionBlock.Normalization norm,
            Modalities modalities)
            throws IOException, TranslateException {
        Accuracy accuracy = new Accuracy();
        accuracy.addAccumulator("evaluation");
        try (NDManager m = parent.newSubManager()) {
            for (Batch batch : evaluationData(data, rows, norm, modalities).getData(m)) {
                try (batch) {
                    NDList logits =
                            block.forward(new ParameterStore(m, false), batch.getData(), false);
                    accuracy.updateAccumulator("evaluation", batch.getLabels(), logits);
                }
            }
        }
        return accuracy.getAccumulator("evaluation");
    }
}
