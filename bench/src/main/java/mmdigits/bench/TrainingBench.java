package mmdigits.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import mmdigits.common.proto.Split;
import mmdigits.common.seed.SeedSplit;
import mmdigits.trainer.training.FusionTrainer;
import mmdigits.trainer.training.TrainingSet;

/**
 * Training throughput: the trainer's own FusionTrainer (DJL, PyTorch on CPU or GPU) for one epoch
 * of the first N rows of the training split, with the service's default settings; samples per
 * second and the seconds an epoch of 60,000 takes at that rate. Export and its ONNX Runtime check
 * run too, as in the service.
 *
 * <pre>
 * bench/training.sh [--rows 10000] [--data data/demo]
 * </pre>
 */
public final class TrainingBench {
    public static void main(String[] args) {
        Services.runAndExit(() -> run(args));
    }

    static void run(String[] args) throws Exception {
        Path root = Path.of(".").toAbsolutePath().normalize();
        Services.ModelInputs in = Services.ModelInputs.parse(args, root, "--rows", 10_000);
        Path work = Files.createDirectories(root.resolve("out/bench/training"));
        TrainingSet set = new TrainingSet();
        try (SeedSplit train = SeedSplit.open(in.data(), Split.TRAIN, x -> {})) {
            long rows = Math.min(in.number(), train.rows());
            for (long i = 0; i < rows; i++) {
                set.add(train.sample("bench", i));
            }
        }
        System.out.printf("%,d training rows from %s, one epoch%n", set.size(), in.data());
        double[] samplesPerSecond = new double[1];
        double[] seconds = new double[1];
        long start = System.nanoTime();
        FusionTrainer.train(
                set,
                FusionTrainer.Config.defaults().optEpochs(1),
                new FusionTrainer.Listener() {
                    @Override
                    public void onEpoch(FusionTrainer.Epoch e) {
                        samplesPerSecond[0] = e.samplesPerSecond();
                        seconds[0] = e.seconds();
                        System.out.printf(
                                Locale.ROOT,
                                "epoch %d: %.1f s, %.0f samples/s, validation accuracy %.4f%n",
                                e.epoch(),
                                e.seconds(),
                                e.samplesPerSecond(),
                                e.validationAccuracy());
                    }
                });
        double total = (System.nanoTime() - start) / 1e9;
        double epoch60k =
                60_000 * 0.9 / samplesPerSecond[0]; // 10 % of the rows are held out for validation
        System.out.printf(
                Locale.ROOT,
                "training: %.0f samples/s -> %.1f s per epoch of 60,000 (54,000 trained, 6,000 validated); "
                        + "this run %.1f s with export and check%n",
                samplesPerSecond[0],
                epoch60k,
                total);
        Files.writeString(
                work.resolve("results.json"),
                String.format(
                        Locale.ROOT,
                        "{\"rows\": %d, \"epoch_seconds\": %.3f, \"samples_per_s\": %.3f, \"epoch_60k_seconds\": %.3f, \"total_seconds\": %.3f}%n",
                        set.size(),
                        seconds[0],
                        samplesPerSecond[0],
                        epoch60k,
                        total));
    }
}
