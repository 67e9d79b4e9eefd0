package mmdigits.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import mmdigits.trainer.onnx.ExportGate;
import mmdigits.trainer.training.Augmentation;
import mmdigits.trainer.training.FusionConfig;
import mmdigits.trainer.training.FusionSpec;
import mmdigits.trainer.training.FusionTrainer;
import mmdigits.trainer.training.Layer;
import mmdigits.trainer.training.TrainingSet;

/**
 * Training throughput, side by side in one run: the trainer's own FusionTrainer (DJL) with the
 * service's settings, the same without augmentation and modality dropout, and the same architecture
 * in PyTorch ({@code bench/training_torch.py}, Debian's python3-torch) on the same rows with the
 * same threads, batch and optimiser. Each trains {@value #EPOCHS} epochs of the first N rows and is
 * measured on its last epoch (the first carries the engines' warm-up); prints samples/s and DJL ÷
 * PyTorch.
 *
 * <pre>
 * bench/training.sh [--rows 10000] [--data data/demo]
 * </pre>
 */
public final class TrainingBench {
    static final int EPOCHS = 2;

    static final int ROUNDS = 3;

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    public static void main(String[] args) {
        Services.runAndExit(() -> run(args));
    }

    static void run(String[] args) throws Exception {
        Path root = Path.of(".").toAbsolutePath().normalize();
        Services.ModelInputs in = Services.ModelInputs.parse(args, root, "--rows", 10_000);
        Path work = Files.createDirectories(root.resolve("out/bench/training"));
        TrainingSet set = ModelBench.load(in.data(), in.number());
        System.out.printf(
                "%,d training rows from %s, %d epochs each%n", set.size(), in.data(), EPOCHS);
        FusionConfig service = FusionConfig.builder().optEpochs(EPOCHS).build();
        FusionConfig plainConfig =
                service.toBuilder()
                        .optAugmentation(Augmentation.none())
                        .optModalityDropout(0)
                        .build();
        double djl = samplesPerSecond("djl (service settings)", set, service);
        // the pair alternates, ROUNDS times: the machine's speed drifts, a ratio of one pair holds
        double[] plains = new double[ROUNDS];
        double[] torches = new double[ROUNDS];
        double[] ratios = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            plains[round] = samplesPerSecond("djl (no augmentation)", set, plainConfig);
            torches[round] = pytorch(root, in.data(), set.size(), service, work);
            ratios[round] = plains[round] / torches[round];
        }
        double plain = median(plains);
        double torch = median(torches);
        double ratio = median(ratios);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("rows", set.size());
        r.put("epochs", EPOCHS);
        r.put("batch", service.batchSize());
        r.put("threads", Runtime.getRuntime().availableProcessors());
        r.put("samples_per_s", djl);
        r.put("samples_per_s_no_augmentation", plain);
        r.put("pytorch_samples_per_s", torch);
        r.put("ratio_pytorch", ratio);
        r.put("ratio_pytorch_min", Arrays.stream(ratios).min().orElse(Double.NaN));
        r.put("ratio_pytorch_max", Arrays.stream(ratios).max().orElse(Double.NaN));
        r.put("augmentation_cost", 1 - djl / plain);
        r.put("epoch_60k_seconds", 60_000 * 0.9 / djl); // 10 % of the rows are held out
        System.out.printf(
                Locale.ROOT,
                "training: %.0f samples/s with the service's settings -> %.1f s per epoch of 60,000"
                        + " (54,000 trained); %.0f without augmentation (augmentation costs %.0f %%)%n",
                djl,
                60_000 * 0.9 / djl,
                plain,
                100 * (1 - djl / plain));
        System.out.printf(
                Locale.ROOT,
                "ratio djl/pytorch: %.2f (%.0f ÷ %.0f samples/s, no augmentation on either side;"
                        + " median of %d alternating pairs, %.2f-%.2f; goal >= 1.0)%n",
                ratio,
                plain,
                torch,
                ROUNDS,
                Arrays.stream(ratios).min().orElse(Double.NaN),
                Arrays.stream(ratios).max().orElse(Double.NaN));
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(work.resolve("results.json").toFile(), r);
    }

    /** The last epoch's samples/s of a run of FusionTrainer with {@code config}. */
    static double samplesPerSecond(String what, TrainingSet set, FusionConfig config)
            throws Exception {
        double[] last = new double[1];
        FusionTrainer.train(
                set,
                config,
                ExportGate.ONNX,
                new FusionTrainer.Listener() {
                    @Override
                    public void onEpoch(FusionTrainer.Epoch e) {
                        last[0] = e.samplesPerSecond();
                        System.out.printf(
                                Locale.ROOT,
                                "%s: epoch %d: %.1f s, %.0f samples/s, validation accuracy %.4f%n",
                                what,
                                e.epoch(),
                                e.seconds(),
                                e.samplesPerSecond(),
                                e.validationAccuracy());
                    }
                });
        return last[0];
    }

    /**
     * The CNN's widths as the PyTorch peer takes them ({@code --cnn C1,C2,UNITS}): both
     * convolutions' output channels and the image branch's units, from the spec DJL trains.
     */
    static String cnn(FusionSpec spec) {
        List<Integer> channels =
                spec.image().stream()
                        .filter(Layer.Conv.class::isInstance)
                        .map(l -> ((Layer.Conv) l).outChannels())
                        .toList();
        if (channels.size() != 2) {
            throw new IllegalArgumentException(
                    "the PyTorch peer builds a CNN of two convolutions; the spec has " + channels);
        }
        return channels.get(0) + "," + channels.get(1) + "," + spec.imageFeatures();
    }

    /** The PyTorch peer's last-epoch samples/s, run as a child process with the same settings. */
    static double pytorch(Path root, Path data, int rows, FusionConfig config, Path work)
            throws Exception {
        Path json = work.resolve("pytorch.json");
        Files.deleteIfExists(json);
        List<String> command =
                List.of(
                        "/usr/bin/python3", // Debian's, with its python3-torch (not a pyenv's)
                        root.resolve("bench/training_torch.py").toString(),
                        "--data",
                        data.toString(),
                        "--cnn",
                        cnn(config.spec()),
                        "--rows",
                        Integer.toString(rows),
                        "--epochs",
                        Integer.toString(EPOCHS),
                        "--batch",
                        Integer.toString(config.batchSize()),
                        "--lr",
                        Float.toString(config.learningRate()),
                        "--threads",
                        Integer.toString(Runtime.getRuntime().availableProcessors()),
                        "--json",
                        json.toString());
        Process p = new ProcessBuilder(command).inheritIO().start();
        int exit = p.waitFor();
        if (exit != 0 || !Files.exists(json)) {
            throw new IllegalStateException(
                    "the PyTorch peer failed (exit "
                            + exit
                            + "; python3-torch missing? ./digits deps bench installs it): "
                            + String.join(" ", command));
        }
        JsonNode peer = new ObjectMapper().readTree(json.toFile());
        return peer.path("samples_per_s").asDouble(Double.NaN);
    }
}
