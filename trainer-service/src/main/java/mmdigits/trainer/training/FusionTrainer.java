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
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.DivergenceCheckTrainingListener;
import ai.djl.training.listener.EpochTrainingListener;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import mmdigits.common.proto.DriftReference;
import mmdigits.common.sample.Dimensions;
import mmdigits.trainer.training.DataPreparation.Rows;
import mmdigits.trainer.training.DigitsDataset.Modalities;

/**
 * Trains the fused model on a {@link TrainingSet} the way DJL's examples train: a {@link
 * DigitsDataset} (augmentation and modality dropout in its {@code get}), a {@link Trainer} with an
 * {@link Accuracy} evaluator and listeners (DJL's epoch, evaluator and divergence listeners, our
 * {@link ProgressListener} and {@link BestEpochCheckpoint}), {@link EasyTrain#fit}, and DJL's
 * {@link TrainingResult}. Then it restores the best epoch, measures validation accuracy with both
 * modalities and with each alone ({@link Evaluation}), and writes the model through the {@link
 * ModelExport} it is given (the ONNX export gate).
 */
public final class FusionTrainer {
    /**
     * oneDNN's AVX-512 kernels (used by PyTorch on CPU) gave NaN weight gradients in the first
     * convolution and run-to-run differences on this project's AMD EPYC machines; with {@code
     * DNNL_MAX_CPU_ISA=AVX2} in the environment (set by the build, ./digits and the images)
     * training is correct and reproducible.
     */
    public static final String ONEDNN_ISA_ENV = "DNNL_MAX_CPU_ISA";

    /** Validation samples the export is checked on. */
    static final int GATE_SAMPLES = 256;

    public record Epoch(
            int epoch,
            int epochs,
            double loss,
            double trainAccuracy,
            double validationAccuracy,
            double seconds,
            double samplesPerSecond) {}

    /**
     * A finished run: the exported (ONNX) model, the DJL parameters of the best epoch, the
     * measurements, DJL's training result and the rows of the training set it validated on (a
     * promotion gate compares models on them).
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
            TrainingResult training,
            DriftReference driftReference) {}

    /** Progress callbacks. */
    public interface Listener {
        default void onBatch(
                int epoch, long samplesDone, long samplesTotal, double loss, double accuracy) {}

        default void onEpoch(Epoch epoch) {}

        default void onPhase(String phase) {}
    }

    private FusionTrainer() {}

    public static Result train(
            TrainingSet data, FusionConfig config, ModelExport export, Listener listener)
            throws IOException, TranslateException {
        DataPreparation.check(data, config);
        warnIfOneDnnUnpinned(listener);
        Engine engine = Engine.getInstance();
        engine.setRandomSeed((int) config.seed());
        Rows rows = DataPreparation.split(data, config);
        FusionBlock.Normalization norm = DataPreparation.normalization(data, rows.train());
        Device device = Devices.choose(engine);
        listener.onPhase(describe(engine, device, rows, config));
        try (Model model = Model.newInstance("fusion", device)) {
            FusionBlock block = new FusionBlock(config.spec(), norm);
            model.setBlock(block);
            ProgressListener progress =
                    new ProgressListener(listener, config.epochs(), rows.train().length);
            BestEpochCheckpoint checkpoint = new BestEpochCheckpoint(block);
            TrainingResult training =
                    fit(
                            model,
                            trainingConfig(
                                    config, device, rows.train().length, progress, checkpoint),
                            config,
                            trainingData(data, rows.train(), norm, config),
                            Evaluation.evaluationData(
                                    data, rows.validation(), norm, Modalities.BOTH));
            listener.onPhase("restoring epoch " + checkpoint.bestEpoch() + " and measuring");
            NDManager m = model.getNDManager();
            checkpoint.restore(m);
            Map<String, Double> metrics =
                    Evaluation.validationMetrics(block, m, data, rows.validation(), norm);
            metrics.put("best_epoch", (double) checkpoint.bestEpoch());
            listener.onPhase("exporting ONNX and checking both outputs in ONNX Runtime");
            ModelExport.Verified exported = export.export(block, m, probe(data, rows));
            metrics.put("export_max_abs_delta", exported.probabilityDelta());
            metrics.put("export_embedding_max_abs_delta", exported.embeddingDelta());
            return new Result(
                    exported.bytes(),
                    checkpoint.parameters(),
                    progress.history(),
                    checkpoint.bestEpoch(),
                    metrics,
                    norm.audioMean(),
                    config.spec().embeddingDim(),
                    device.toString(),
                    rows.train().length,
                    rows.validation().length,
                    rows.validation(),
                    training,
                    driftReference(block, m, data, rows, config));
        }
    }

    /**
     * The drift reference of the release ({@link DriftReferences}): its embeddings are the block's
     * in inference mode, which the export gate has just held equal to the exported graph's.
     */
    private static DriftReference driftReference(
            FusionBlock block, NDManager m, TrainingSet data, Rows rows, FusionConfig config) {
        return DriftReferences.of(
                data,
                rows.train(),
                rows.validation(),
                (images, audio, n) -> embed(block, m, images, audio, n),
                config.spec().embeddingDim(),
                config.spec().imageFeatures(),
                DriftReferences.EMBEDDING_SAMPLES,
                config.seed());
    }

    private static float[] embed(
            FusionBlock block, NDManager parent, float[] images, float[] audio, int n) {
        try (NDManager m = parent.newSubManager()) {
            NDList inputs =
                    new NDList(
                            m.create(images, new Shape(n, Dimensions.IMAGE)),
                            m.create(audio, new Shape(n, Dimensions.AUDIO)));
            return block.infer(new ParameterStore(m, false), inputs).get(1).toFloatArray();
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

    private static String describe(Engine engine, Device device, Rows rows, FusionConfig config) {
        return String.format(
                "training on %s (%s %s, %d GPU(s) visible): %,d train / %,d validation samples,"
                        + " batch %d",
                device,
                engine.getEngineName(),
                engine.getVersion(),
                engine.getGpuCount(),
                rows.train().length,
                rows.validation().length,
                config.batchSize());
    }

    /**
     * DJL's {@link EasyTrain#fit}, the next batches prepared on a thread of their own while the
     * engine trains on the current one.
     */
    static TrainingResult fit(
            Model model,
            DefaultTrainingConfig trainingConfig,
            FusionConfig config,
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

    /**
     * Softmax cross-entropy, Adam with a cosine learning-rate decay to 1 % over the run, the {@link
     * Accuracy} evaluator, and the listeners in the order they depend on each other.
     */
    static DefaultTrainingConfig trainingConfig(
            FusionConfig config,
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
            TrainingSet data, int[] rows, FusionBlock.Normalization norm, FusionConfig config) {
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

    /** The export is checked on the first {@value #GATE_SAMPLES} validation samples. */
    private static ModelExport.Probe probe(TrainingSet data, Rows split) {
        int[] rows =
                Arrays.copyOf(
                        split.validation(), Math.min(GATE_SAMPLES, split.validation().length));
        return new ModelExport.Probe(data.images(rows), data.audio(rows), rows.length);
    }
}
