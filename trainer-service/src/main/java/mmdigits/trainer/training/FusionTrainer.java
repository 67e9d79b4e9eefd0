package mmdigits.trainer.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.metric.Metrics;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingResult;
import ai.djl.training.dataset.Batch;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.DivergenceCheckTrainingListener;
import ai.djl.training.listener.EpochTrainingListener;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import mmdigits.common.audio.CepstralMean;
import mmdigits.common.sample.Dimensions;
import mmdigits.trainer.onnx.ExportGate;
import mmdigits.trainer.training.DigitsDataset.Modalities;

/**
 * Trains the fused model on a {@link TrainingSet} the way DJL's examples train: a {@link
 * DigitsDataset} (augmentation and modality dropout in its {@code get}), a {@link Trainer} with an
 * {@link Accuracy} evaluator and listeners (DJL's epoch, evaluator and divergence listeners, our
 * {@link ProgressListener} and {@link BestEpochCheckpoint}), {@link EasyTrain#fit}, and DJL's
 * {@link TrainingResult}. Then it restores the best epoch, measures validation accuracy with both
 * modalities and with each alone, and exports ONNX through the {@link ExportGate}.
 */
public final class FusionTrainer {
    /**
     * oneDNN's AVX-512 kernels (used by PyTorch on CPU) gave NaN weight gradients in the first
     * convolution and run-to-run differences on this project's AMD EPYC machines; with {@code
     * DNNL_MAX_CPU_ISA=AVX2} in the environment (set by the build, ./digits and the images)
     * training is correct and reproducible.
     */
    public static final String ONEDNN_ISA_ENV = "DNNL_MAX_CPU_ISA";

    /** Validation samples the export gate compares DJL and ONNX Runtime on. */
    static final int GATE_SAMPLES = 256;

    /**
     * Rows per batch when measuring: larger batches are slower per sample on CPU, whose caches the
     * activations of 512 rows overflow (forward in inference mode, 6,000 rows on 2 cores: 512 rows
     * 2,200 samples/s, 256 rows 3,700, 128 rows 5,200-7,000, 64 rows 4,800-6,000).
     */
    static final int EVALUATION_BATCH = 128;

    /** Run settings; {@code opt*} optional with defaults, as DJL's builders. */
    public record Config(
            int epochs,
            int batchSize,
            float learningRate,
            long seed,
            float validationFraction,
            float modalityDropout,
            FusionSpec spec,
            Augmentation augmentation) {

        public static Config defaults() {
            return new Config(
                    7, 128, 2e-3f, 42, 0.1f, 0.4f, FusionSpec.standard(), Augmentation.standard());
        }

        public Config optEpochs(int v) {
            return new Config(
                    v,
                    batchSize,
                    learningRate,
                    seed,
                    validationFraction,
                    modalityDropout,
                    spec,
                    augmentation);
        }

        public Config optBatchSize(int v) {
            return new Config(
                    epochs,
                    v,
                    learningRate,
                    seed,
                    validationFraction,
                    modalityDropout,
                    spec,
                    augmentation);
        }

        public Config optLearningRate(float v) {
            return new Config(
                    epochs,
                    batchSize,
                    v,
                    seed,
                    validationFraction,
                    modalityDropout,
                    spec,
                    augmentation);
        }

        public Config optSeed(long v) {
            return new Config(
                    epochs,
                    batchSize,
                    learningRate,
                    v,
                    validationFraction,
                    modalityDropout,
                    spec,
                    augmentation);
        }

        public Config optValidationFraction(float v) {
            return new Config(
                    epochs, batchSize, learningRate, seed, v, modalityDropout, spec, augmentation);
        }

        public Config optModalityDropout(float v) {
            return new Config(
                    epochs,
                    batchSize,
                    learningRate,
                    seed,
                    validationFraction,
                    v,
                    spec,
                    augmentation);
        }

        public Config optSpec(FusionSpec v) {
            return new Config(
                    epochs,
                    batchSize,
                    learningRate,
                    seed,
                    validationFraction,
                    modalityDropout,
                    v,
                    augmentation);
        }

        public Config optAugmentation(Augmentation v) {
            return new Config(
                    epochs,
                    batchSize,
                    learningRate,
                    seed,
                    validationFraction,
                    modalityDropout,
                    spec,
                    v);
        }
    }

    public record Epoch(
            int epoch,
            int epochs,
            double loss,
            double trainAccuracy,
            double validationAccuracy,
            double seconds,
            double samplesPerSecond) {}

    /**
     * A finished run: the ONNX model, the DJL parameters of the best epoch, the measurements, DJL's
     * training result and the rows of the training set it validated on (a promotion gate compares
     * models on them).
     */
    public record Result(
            byte[] onnx,
            byte[] parameters,
            List<Epoch> epochs,
            int bestEpoch,
            Map<String, Double> metrics,
            float[] blankAudio,
            int embeddingDim,
            String device,
            int trainSamples,
            int validationSamples,
            int[] validationRows,
            TrainingResult training) {}

    /** Progress callbacks. */
    public interface Listener {
        default void onBatch(
                int epoch, long samplesDone, long samplesTotal, double loss, double accuracy) {}

        default void onEpoch(Epoch epoch) {}

        default void onPhase(String phase) {}
    }

    /** The run cannot go on (bad data or an export that does not match); nothing is released. */
    public static final class TrainingException extends RuntimeException {
        public TrainingException(String message) {
            super(message);
        }
    }

    private FusionTrainer() {}

    /** Stratified, seeded: {@code fraction} of each class to validation. */
    static int[][] split(TrainingSet data, float fraction, long seed) {
        Map<Integer, List<Integer>> byClass = new LinkedHashMap<>();
        for (int r = 0; r < data.size(); r++) {
            byClass.computeIfAbsent(data.label(r), k -> new ArrayList<>()).add(r);
        }
        List<Integer> train = new ArrayList<>();
        List<Integer> val = new ArrayList<>();
        Random random = new Random(seed);
        for (int label = 0; label < Dimensions.CLASSES; label++) {
            List<Integer> rows = byClass.getOrDefault(label, List.of());
            List<Integer> shuffled = new ArrayList<>(rows);
            Collections.shuffle(shuffled, random);
            int nVal = Math.round(shuffled.size() * fraction);
            val.addAll(shuffled.subList(0, nVal));
            train.addAll(shuffled.subList(nVal, shuffled.size()));
        }
        return new int[][] {
            train.stream().mapToInt(Integer::intValue).sorted().toArray(),
            val.stream().mapToInt(Integer::intValue).sorted().toArray()
        };
    }

    static void check(TrainingSet data, Config config) {
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

    public static Result train(TrainingSet data, Config config, Listener listener)
            throws IOException, TranslateException {
        check(data, config);
        warnIfOneDnnUnpinned(listener);
        Engine engine = Engine.getInstance();
        engine.setRandomSeed((int) config.seed());
        int[][] split = split(data, config.validationFraction(), config.seed());
        int[] trainRows = split[0];
        int[] valRows = split[1];
        if (valRows.length == 0) {
            throw new TrainingException(
                    "validation split is empty: " + data.size() + " samples are too few");
        }
        FusionBlock.Normalization norm = normalization(data, trainRows);
        Device device = Devices.choose(engine);
        listener.onPhase(describe(engine, device, trainRows.length, valRows.length, config));
        try (Model model = Model.newInstance("fusion", device)) {
            FusionBlock block = new FusionBlock(config.spec(), norm);
            model.setBlock(block);
            ProgressListener progress =
                    new ProgressListener(listener, config.epochs(), trainRows.length);
            BestEpochCheckpoint checkpoint = new BestEpochCheckpoint(block);
            TrainingResult training =
                    fit(
                            model,
                            trainingConfig(config, device, trainRows.length, progress, checkpoint),
                            config,
                            trainingData(data, trainRows, norm, config),
                            evaluationData(data, valRows, norm, Modalities.BOTH));
            listener.onPhase("restoring epoch " + checkpoint.bestEpoch() + " and measuring");
            NDManager m = model.getNDManager();
            checkpoint.restore(m);
            Map<String, Double> metrics = validationMetrics(block, m, data, valRows, norm);
            metrics.put("best_epoch", (double) checkpoint.bestEpoch());
            listener.onPhase("exporting ONNX and checking both outputs in ONNX Runtime");
            ExportGate.Verified export = exportAndVerify(block, m, data, valRows);
            metrics.put("export_max_abs_delta", export.probabilityDelta());
            metrics.put("export_embedding_max_abs_delta", export.embeddingDelta());
            return new Result(
                    export.onnx(),
                    checkpoint.parameters(),
                    progress.history(),
                    checkpoint.bestEpoch(),
                    metrics,
                    norm.audioMean(),
                    config.spec().embeddingDim(),
                    device.toString(),
                    trainRows.length,
                    valRows.length,
                    valRows,
                    training);
        }
    }

    private static void warnIfOneDnnUnpinned(Listener listener) {
        if (System.getenv(ONEDNN_ISA_ENV) == null) {
            listener.onPhase(
                    "warning: "
                            + ONEDNN_ISA_ENV
                            + " is not set; on AVX-512 CPUs set it to AVX2 (see FusionTrainer)");
        }
    }

    private static String describe(
            Engine engine, Device device, int trainSamples, int validationSamples, Config config) {
        return String.format(
                "training on %s (%s %s, %d GPU(s) visible): %,d train / %,d validation samples,"
                        + " batch %d",
                device,
                engine.getEngineName(),
                engine.getVersion(),
                engine.getGpuCount(),
                trainSamples,
                validationSamples,
                config.batchSize());
    }

    /**
     * DJL's {@link EasyTrain#fit}, the next batches prepared on a thread of their own while the
     * engine trains on the current one.
     */
    static TrainingResult fit(
            Model model,
            DefaultTrainingConfig trainingConfig,
            Config config,
            DigitsDataset training,
            DigitsDataset validation)
            throws IOException, TranslateException {
        ExecutorService loader = Executors.newSingleThreadExecutor(FusionTrainer::loaderThread);
        try (Trainer trainer = model.newTrainer(trainingConfig.optExecutorService(loader))) {
            trainer.setMetrics(new Metrics());
            trainer.initialize(
                    new Shape(config.batchSize(), Dimensions.IMAGE),
                    new Shape(config.batchSize(), Dimensions.AUDIO));
            EasyTrain.fit(trainer, config.epochs(), training, validation);
            return trainer.getTrainingResult();
        } finally {
            loader.shutdownNow();
        }
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

    /**
     * Softmax cross-entropy, Adam with a cosine learning-rate decay to 1 % over the run, the {@link
     * Accuracy} evaluator, and the listeners in the order they depend on each other.
     */
    static DefaultTrainingConfig trainingConfig(
            Config config,
            Device device,
            int trainSamples,
            ProgressListener progress,
            BestEpochCheckpoint checkpoint) {
        int steps =
                config.epochs() * ((trainSamples + config.batchSize() - 1) / config.batchSize());
        Tracker learningRate =
                Tracker.cosine()
                        .setBaseValue(config.learningRate())
                        .optFinalValue(config.learningRate() / 100)
                        .setMaxUpdates(Math.max(1, steps))
                        .build();
        return new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(learningRate).build())
                .optDevices(new Device[] {device})
                .addEvaluator(new Accuracy())
                .addTrainingListeners(
                        new EpochTrainingListener(),
                        new EvaluatorTrainingListener(),
                        new DivergenceCheckTrainingListener(),
                        progress,
                        checkpoint);
    }

    /** Prepares the next batches (augmentation, arrays) while the engine trains on this one. */
    private static Thread loaderThread(Runnable r) {
        Thread t = new Thread(r, "training-data");
        t.setDaemon(true);
        return t;
    }

    /** Shuffled batches, augmented, with modality dropout. */
    static DigitsDataset trainingData(
            TrainingSet data, int[] rows, FusionBlock.Normalization norm, Config config) {
        return DigitsDataset.builder()
                .setRows(data, rows)
                .optAugmentation(config.augmentation())
                .optModalityDropout(config.modalityDropout())
                .optBlankAudio(norm.audioMean())
                .optSeed(config.seed())
                .setSampling(config.batchSize(), true)
                .optPrefetchNumber(2)
                .build();
    }

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

    /** The export gate on the first {@value #GATE_SAMPLES} validation samples. */
    static ExportGate.Verified exportAndVerify(
            FusionBlock block, NDManager m, TrainingSet data, int[] valRows) {
        int[] rows = Arrays.copyOf(valRows, Math.min(GATE_SAMPLES, valRows.length));
        try {
            return ExportGate.exportAndVerify(
                    block,
                    "digits-fusion",
                    m,
                    new ExportGate.Probe(data.images(rows), data.audio(rows), rows.length));
        } catch (ExportGate.Refused e) {
            throw new TrainingException(e.getMessage());
        }
    }
}
