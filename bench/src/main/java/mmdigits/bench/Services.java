package mmdigits.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts a service's packaged jar as a child process (no call-home settings) and waits for readiness. */
final class Services {
    private Services() {
    }

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
                throw new IllegalArgumentException(model + " is missing: run ./digits run first (it writes out/model.onnx)");
            }
            if (!Files.exists(data.resolve("x_test_wr.npy"))) {
                throw new IllegalArgumentException(data + " has no test split: run ./digits demo-data first");
            }
            return new ModelInputs(model, data, number);
        }
    }

    /** A benchmark's body. */
    interface Body {
        void run() throws Exception;
    }

    /**
     * Runs a benchmark and exits the JVM: 0 when it finished, 1 with the stack trace when it failed (a
     * failure must not leave the JVM waiting for client threads that nothing will stop).
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

    static Process start(Path root, String service, int port, Map<String, String> env, Path log)
            throws IOException, InterruptedException {
        Path jar = root.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
        if (!jar.toFile().exists()) {
            throw new IOException(jar + " is missing: build with ./mvnw -B package -DskipTests");
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
        pb.environment().put("OPT_OUT_TRACKING", "true");
        Process p = pb.start();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException(service + " exited; see " + log);
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return p;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        p.destroyForcibly();
        throw new IOException(service + " not ready after 90 s; see " + log);
    }

    static void stop(Process p) throws InterruptedException {
        if (p != null && p.isAlive()) {
            p.destroy();
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
