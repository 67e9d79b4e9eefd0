package mmdigits.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** What the benchmarks share: their inputs and how they end. */
final class Services {
    private Services() {}

    /**
     * The inputs of the benchmarks that score a model: {@code --model} (default out/model.onnx),
     * {@code --data} (default data/demo, its test split is used) and one number ({@code --n} or
     * {@code --seconds}); both files are checked before anything starts.
     */
    record ModelInputs(Path model, Path data, int number) {
        static ModelInputs parse(String[] args, Path root, String numberOption, int numberDefault) {
            Path model = root.resolve("out/model.onnx");
            Path data = root.resolve("data/demo");
            int number = numberDefault;
            for (int i = 0; i < args.length; i++) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(args[i] + " needs a value");
                }
                switch (args[i]) {
                    case "--model" -> model = Path.of(args[++i]).toAbsolutePath();
                    case "--data" -> data = Path.of(args[++i]).toAbsolutePath();
                    default -> {
                        if (!args[i].equals(numberOption)) {
                            throw new IllegalArgumentException("unknown option " + args[i]);
                        }
                        number = Integer.parseInt(args[++i]);
                    }
                }
            }
            if (!Files.exists(model)) {
                throw new IllegalArgumentException(
                        model + " is missing: run ./digits run first (it writes out/model.onnx)");
            }
            if (!Files.exists(data.resolve("x_test_wr.npy"))) {
                throw new IllegalArgumentException(
                        data + " has no test split: run ./digits demo-data first");
            }
            return new ModelInputs(model, data, number);
        }
    }

    /** A benchmark's body. */
    interface Body {
        void run() throws Exception;
    }

    /**
     * Runs a benchmark and exits the JVM: 0 when it finished, 1 with the stack trace when it failed
     * (a failure must not leave the JVM waiting for client threads that nothing will stop).
     */
    static void runAndExit(Body body) {
        try {
            body.run();
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }
}
