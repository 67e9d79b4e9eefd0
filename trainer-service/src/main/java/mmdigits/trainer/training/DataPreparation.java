package mmdigits.trainer.training;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import mmdigits.common.audio.CepstralMean;
import mmdigits.common.sample.Dimensions;

/**
 * What a run learns from, decided before it trains: whether the set and the settings can train at
 * all, the stratified train/validation split, and the normalisation constants the model carries.
 */
final class DataPreparation {
    private DataPreparation() {}

    /**
     * @throws TrainingException when the set or the settings cannot train a classifier
     */
    static void check(TrainingSet data, FusionConfig config) {
        if (data.size() == 0) {
            throw new TrainingException("the training set is empty: publish a dataset first");
        }
        long classes = IntStream.range(0, data.size()).map(data::label).distinct().count();
        if (classes < 2) {
            throw new TrainingException(
                    "the training set has only one class (label "
                            + data.label(0)
                            + ") in "
                            + data.size()
                            + " samples: a classifier needs at least two");
        }
        if (config.validationFraction() <= 0 || config.validationFraction() >= 0.9f) {
            throw new TrainingException(
                    "validation fraction must be in (0, 0.9), got " + config.validationFraction());
        }
        if (config.epochs() < 1 || config.batchSize() < 1 || !(config.learningRate() > 0)) {
            throw new TrainingException("epochs, batch size and learning rate must be positive");
        }
    }

    /** The rows a run trains on and the rows it validates on. */
    record Rows(int[] train, int[] validation) {}

    /**
     * Stratified, seeded: {@code validationFraction} of each class to validation.
     *
     * @throws TrainingException when no row is left for validation
     */
    static Rows split(TrainingSet data, FusionConfig config) {
        Map<Integer, List<Integer>> byClass = new LinkedHashMap<>();
        for (int r = 0; r < data.size(); r++) {
            byClass.computeIfAbsent(data.label(r), k -> new ArrayList<>()).add(r);
        }
        List<Integer> train = new ArrayList<>();
        List<Integer> val = new ArrayList<>();
        Random random = new Random(config.seed());
        for (int label = 0; label < Dimensions.CLASSES; label++) {
            List<Integer> shuffled = new ArrayList<>(byClass.getOrDefault(label, List.of()));
            Collections.shuffle(shuffled, random);
            int nVal = Math.round(shuffled.size() * config.validationFraction());
            val.addAll(shuffled.subList(0, nVal));
            train.addAll(shuffled.subList(nVal, shuffled.size()));
        }
        if (val.isEmpty()) {
            throw new TrainingException(
                    "validation split is empty: " + data.size() + " samples are too few");
        }
        return new Rows(sorted(train), sorted(val));
    }

    private static int[] sorted(List<Integer> rows) {
        return rows.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /**
     * Image scale (largest value) and the mean and spread of each cepstral-mean-normalised MFCC
     * value over the training rows: constants of the model.
     */
    static FusionBlock.Normalization normalization(TrainingSet data, int[] rows) {
        float max = 0;
        double[] sum = new double[Dimensions.AUDIO];
        double[] sq = new double[Dimensions.AUDIO];
        for (int r : rows) {
            for (int i = 0; i < Dimensions.IMAGE; i++) {
                max = Math.max(max, Math.abs(data.image(r, i)));
            }
            float[] audio = CepstralMean.normalised(data.audio(r));
            for (int i = 0; i < Dimensions.AUDIO; i++) {
                double v = audio[i];
                sum[i] += v;
                sq[i] += v * v;
            }
        }
        float[] mean = new float[Dimensions.AUDIO];
        float[] std = new float[Dimensions.AUDIO];
        for (int i = 0; i < Dimensions.AUDIO; i++) {
            double m = sum[i] / rows.length;
            mean[i] = (float) m;
            std[i] = (float) Math.max(1e-6, Math.sqrt(Math.max(0, sq[i] / rows.length - m * m)));
        }
        return new FusionBlock.Normalization(max > 0 ? max : 1f, mean, std);
    }
}
