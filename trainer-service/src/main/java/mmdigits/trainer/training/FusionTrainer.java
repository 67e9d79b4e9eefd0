package mmdigits.trainer.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import mmdigits.common.sample.Dimensions;
import mmdigits.trainer.onnx.OnnxExporter;
import mmdigits.trainer.onnx.OrtRunner;

/**
 * Trains the fused model on a {@link TrainingSet}, keeps the best epoch by validation accuracy,
 * measures validation accuracy with both modalities and with each alone, exports ONNX and refuses a
 * model whose ONNX Runtime output differs from DJL's on a validation batch by more than {@link
 * #MAX_EXPORT_DELTA}.
 */
public final class FusionTrainer {
    public static final double MAX_EXPORT_DELTA = 1e-4;

    /**
     * oneDNN's AVX-512 kernels (used by PyTorch on CPU) gave NaN weight gradients in the first
     * convolution and run-to-run differences on this project's AMD EPYC machines; with {@code
     * DNNL_MAX_CPU_ISA=AVX2} in the environment (set by the build, ./digits and the images)
     * training is correct and reproducible.
     */
    public static final String ONEDNN_ISA_ENV = "DNNL_MAX_CPU_ISA";

    /** Run settings; {@code opt*} optional with defaults, as DJL's builders. */
    public record Config(
            int epochs,
            int batchSize,
            float learningRate,
            long seed,
            float validationFraction,
            float modalityDropout,
            FusionSpec spec) {

        public static Config defaults() {
            return new Config(10, 128, 1e-3f, 42, 0.1f, 0.2f, FusionSpec.standard());
        }

        public Config optEpochs(int v) {
            return new Config(
                    v, batchSize, learningRate, seed, validationFraction, modalityDropout, spec);
        }

        public Config optBatchSize(int v) {
            return new Config(
                    epochs, v, learningRate, seed, validationFraction, modalityDropout, spec);
        }

        public Config optLearningRate(float v) {
            return new Config(
                    epochs, batchSize, v, seed, validationFraction, modalityDropout, spec);
        }

        public Config optSeed(long v) {
            return new Config(
                    epochs, batchSize, learningRate, v, validationFraction, modalityDropout, spec);
        }

        public Config optValidationFraction(float v) {
            return new Config(epochs, batchSize, learningRate, seed, v, modalityDropout, spec);
        }

        public Config optModalityDropout(float v) {
            return new Config(epochs, batchSize, learningRate, seed, validationFraction, v, spec);
        }

        public Config optSpec(FusionSpec v) {
            return new Config(
                    epochs, batchSize, learningRate, seed, validationFraction, modalityDropout, v);
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
     * A finished run: the ONNX model, the DJL parameters of the best epoch, the measurements and
     * the rows of the training set it validated on (a promotion gate compares models on them).
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
            int[] validationRows) {}

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

    static FusionBlock.Normalization normalization(TrainingSet data, int[] rows) {
        float max = 0;
        double[] sum = new double[Dimensions.AUDIO];
        double[] sq = new double[Dimensions.AUDIO];
        for (int r : rows) {
            for (int i = 0; i < Dimensions.IMAGE; i++) {
                max = Math.max(max, Math.abs(data.image(r, i)));
            }
            for (int i = 0; i < Dimensions.AUDIO; i++) {
                double v = data.audio(r, i);
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
            throws Exception {
        check(data, config);
        if (System.getenv(ONEDNN_ISA_ENV) == null) {
            listener.onPhase(
                    "warning: "
                            + ONEDNN_ISA_ENV
                            + " is not set; on AVX-512 CPUs set it to AVX2 (see FusionTrainer)");
        }
        Engine.getInstance().setRandomSeed((int) config.seed());
        int[][] split = split(data, config.validationFraction(), config.seed());
        int[] trainRows = split[0];
        int[] valRows = split[1];
        if (valRows.length == 0) {
            throw new TrainingException(
                    "validation split is empty: " + data.size() + " samples are too few");
        }
        FusionBlock.Normalization norm = normalization(data, trainRows);
        Device device = Engine.getInstance().getDevices(1)[0];
        listener.onPhase(
                String.format(
                        "training on %s (%s %s, %d GPU(s) visible): %,d train / %,d validation samples",
                        device,
                        Engine.getInstance().getEngineName(),
                        Engine.getInstance().getVersion(),
                        Engine.getInstance().getGpuCount(),
                        trainRows.length,
                        valRows.length));
        try (Model model = Model.newInstance("fusion", device)) {
            FusionBlock block = new FusionBlock(config.spec(), norm);
            SplittableRandom dropout = new SplittableRandom(config.seed());
            model.setBlock(block);
            NDManager m = model.getNDManager();
            DefaultTrainingConfig tc =
                    new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(
                                                    Tracker.fixed(config.learningRate()))
                                            .build())
                            .optDevices(new Device[] {device});
            List<Epoch> epochs = new ArrayList<>();
            byte[] best = null;
            int bestEpoch = 0;
            double bestAccuracy = -1;
            try (Trainer trainer = model.newTrainer(tc)) {
                trainer.initialize(
                        new Shape(config.batchSize(), Dimensions.IMAGE),
                        new Shape(config.batchSize(), Dimensions.AUDIO));
                for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                    long t0 = System.nanoTime();
                    double lossSum = 0;
                    long correct = 0;
                    long seen = 0;
                    int[] order = shuffled(trainRows, config.seed() * 1000 + epoch);
                    for (int start = 0; start < order.length; start += config.batchSize()) {
                        int[] rows =
                                Arrays.copyOfRange(
                                        order,
                                        start,
                                        Math.min(order.length, start + config.batchSize()));
                        int n = rows.length;
                        try (NDManager bm = m.newSubManager()) {
                            NDList input =
                                    blankModalities(
                                            data,
                                            rows,
                                            norm,
                                            config.modalityDropout(),
                                            dropout,
                                            bm);
                            float[] y = new float[n];
                            for (int i = 0; i < n; i++) {
                                y[i] = data.label(rows[i]);
                            }
                            NDList labels = new NDList(bm.create(y));
                            try (GradientCollector gc = trainer.newGradientCollector()) {
                                NDList pred = trainer.forward(input, labels);
                                NDArray loss = trainer.getLoss().evaluate(labels, pred);
                                gc.backward(loss);
                                lossSum += loss.getFloat() * n;
                                correct +=
                                        pred.head()
                                                .argMax(1)
                                                .toType(DataType.FLOAT32, false)
                                                .eq(labels.head())
                                                .sum()
                                                .getLong();
                            }
                            // as DJL's EasyTrain: the step runs while the batch (and what its
                            // forward made) is open
                            trainer.step();
                            seen += n;
                        }
                        listener.onBatch(
                                epoch,
                                seen,
                                trainRows.length,
                                lossSum / seen,
                                correct / (double) seen);
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    double valAcc = accuracy(block, m, data, valRows, norm, Modalities.BOTH);
                    Epoch e =
                            new Epoch(
                                    epoch,
                                    config.epochs(),
                                    lossSum / seen,
                                    correct / (double) seen,
                                    valAcc,
                                    seconds,
                                    seen / seconds);
                    epochs.add(e);
                    listener.onEpoch(e);
                    if (valAcc
                            >= bestAccuracy) { // on a tie the later epoch, trained longer on single
                        // modalities
                        bestAccuracy = valAcc;
                        bestEpoch = epoch;
                        best = save(block);
                    }
                }
            }
            listener.onPhase("restoring epoch " + bestEpoch + " and measuring");
            block.loadParameters(m, new DataInputStream(new ByteArrayInputStream(best)));
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put(
                    "validation_accuracy",
                    accuracy(block, m, data, valRows, norm, Modalities.BOTH));
            metrics.put(
                    "validation_accuracy_image_only",
                    accuracy(block, m, data, valRows, norm, Modalities.IMAGE_ONLY));
            metrics.put(
                    "validation_accuracy_audio_only",
                    accuracy(block, m, data, valRows, norm, Modalities.AUDIO_ONLY));
            metrics.put("best_epoch", (double) bestEpoch);
            listener.onPhase("exporting ONNX and checking it in ONNX Runtime");
            byte[] onnx = OnnxExporter.export(block, "digits-fusion");
            double delta = exportDelta(block, m, data, valRows, onnx);
            metrics.put("export_max_abs_delta", delta);
            if (!(delta <= MAX_EXPORT_DELTA)) {
                throw new TrainingException(
                        String.format(
                                "the exported ONNX model differs from DJL by %.3g (> %.0e) on a "
                                        + "validation batch: not released",
                                delta, MAX_EXPORT_DELTA));
            }
            return new Result(
                    onnx,
                    best,
                    epochs,
                    bestEpoch,
                    metrics,
                    norm.audioMean(),
                    config.spec().embeddingDim(),
                    device.toString(),
                    trainRows.length,
                    valRows.length,
                    valRows);
        }
    }

    /** Which inputs the model sees; a missing image is all zeros, missing audio the train mean. */
    public enum Modalities {
        BOTH,
        IMAGE_ONLY,
        AUDIO_ONLY
    }

    static double accuracy(
            FusionBlock block,
            NDManager parent,
            TrainingSet data,
            int[] rows,
            FusionBlock.Normalization norm,
            Modalities modalities) {
        long correct = 0;
        for (int start = 0; start < rows.length; start += 512) {
            int[] chunk = Arrays.copyOfRange(rows, start, Math.min(rows.length, start + 512));
            try (NDManager m = parent.newSubManager()) {
                NDList out =
                        block.infer(
                                new ParameterStore(m, false),
                                inputs(m, data, chunk, norm, modalities));
                int[] predicted = out.get(0).argMax(1).toType(DataType.INT32, false).toIntArray();
                for (int i = 0; i < chunk.length; i++) {
                    if (predicted[i] == data.label(chunk[i])) {
                        correct++;
                    }
                }
            }
        }
        return correct / (double) rows.length;
    }

    static NDList inputs(
            NDManager m,
            TrainingSet data,
            int[] rows,
            FusionBlock.Normalization norm,
            Modalities modalities) {
        float[] img =
                modalities == Modalities.AUDIO_ONLY
                        ? new float[rows.length * Dimensions.IMAGE]
                        : data.images(rows);
        float[] aud;
        if (modalities == Modalities.IMAGE_ONLY) {
            aud = new float[rows.length * Dimensions.AUDIO];
            for (int r = 0; r < rows.length; r++) {
                System.arraycopy(norm.audioMean(), 0, aud, r * Dimensions.AUDIO, Dimensions.AUDIO);
            }
        } else {
            aud = data.audio(rows);
        }
        return new NDList(
                m.create(img, new Shape(rows.length, Dimensions.IMAGE)),
                m.create(aud, new Shape(rows.length, Dimensions.AUDIO)));
    }

    /** max |probability(DJL) - probability(ONNX Runtime)| on up to 256 validation samples. */
    static double exportDelta(
            FusionBlock block, NDManager parent, TrainingSet data, int[] valRows, byte[] onnx)
            throws Exception {
        int[] rows = Arrays.copyOf(valRows, Math.min(256, valRows.length));
        float[] img = data.images(rows);
        float[] aud = data.audio(rows);
        float[] djl;
        try (NDManager m = parent.newSubManager()) {
            djl =
                    block.infer(
                                    new ParameterStore(m, false),
                                    new NDList(
                                            m.create(img, new Shape(rows.length, Dimensions.IMAGE)),
                                            m.create(
                                                    aud, new Shape(rows.length, Dimensions.AUDIO))))
                            .get(0)
                            .toFloatArray();
        }
        try (OrtRunner ort = new OrtRunner(onnx)) {
            float[] o =
                    ort.run(
                                    Map.of(OnnxExporter.IMAGE, img, OnnxExporter.AUDIO, aud),
                                    Map.of(
                                            OnnxExporter.IMAGE,
                                            new long[] {rows.length, Dimensions.IMAGE},
                                            OnnxExporter.AUDIO,
                                            new long[] {rows.length, Dimensions.AUDIO}),
                                    OnnxExporter.PROBABILITIES)
                            .get(OnnxExporter.PROBABILITIES);
            double d = 0;
            for (int i = 0; i < o.length; i++) {
                double diff = Math.abs(o[i] - djl[i]);
                d = Double.isNaN(diff) ? Double.NaN : Math.max(d, diff);
            }
            return d;
        }
    }

    /**
     * Modality dropout: for a share {@code rate} of the samples, blank one input (half of them the
     * image, half the audio) exactly as a missing modality is fed at inference (image zeros, audio
     * the train mean), so that the model learns to do with either alone.
     */
    static NDList blankModalities(
            TrainingSet data,
            int[] rows,
            FusionBlock.Normalization norm,
            float rate,
            SplittableRandom random,
            NDManager m) {
        float[] im = data.images(rows);
        float[] au = data.audio(rows);
        int n = rows.length;
        for (int i = 0; i < n && rate > 0; i++) {
            double r = random.nextDouble();
            if (r < rate / 2.0) {
                Arrays.fill(im, i * Dimensions.IMAGE, (i + 1) * Dimensions.IMAGE, 0f);
            } else if (r < rate) {
                System.arraycopy(norm.audioMean(), 0, au, i * Dimensions.AUDIO, Dimensions.AUDIO);
            }
        }
        return new NDList(
                m.create(im, new Shape(n, Dimensions.IMAGE)),
                m.create(au, new Shape(n, Dimensions.AUDIO)));
    }

    /** A seeded permutation of {@code rows}: the batches of one epoch. */
    static int[] shuffled(int[] rows, long seed) {
        int[] out = rows.clone();
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = out.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
        return out;
    }

    static byte[] save(FusionBlock block) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        block.saveParameters(new DataOutputStream(out));
        return out.toByteArray();
    }
}
