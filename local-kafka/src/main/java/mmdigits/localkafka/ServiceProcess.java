package mmdigits.localkafka;

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

/**
 * A service's packaged Quarkus jar ({@code <module>/target/quarkus-app/quarkus-run.jar}) as a child
 * process on 127.0.0.1, with the no-call-home settings, its output in a log file; waits until a
 * health path answers 200. Uses only the JDK, like {@link BrokerProcess}.
 */
public final class ServiceProcess extends ChildProcess {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String service;
    private final int port;
    private final int grpcPort;

    private ServiceProcess(String service, Process process, int port, int grpcPort, Path log) {
        super(process, log);
        this.service = service;
        this.port = port;
        this.grpcPort = grpcPort;
    }

    /** Starts without waiting for it to answer. */
    public static ServiceProcess launch(
            Path root, String service, int port, Map<String, String> env, Path log)
            throws IOException {
        Path jar = root.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IOException(jar + " is missing: build with ./mvnw -B package -DskipTests");
        }
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Dai.djl.offline=true",
                                "-jar",
                                jar.toString()));
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        // a gRPC server (inference-service) gets a free port of its own, so that several instances
        // can run side by side
        int grpcPort =
                env.containsKey("QUARKUS_GRPC_SERVER_PORT")
                        ? Integer.parseInt(env.get("QUARKUS_GRPC_SERVER_PORT"))
                        : BrokerProcess.freePort();
        pb.environment().put("QUARKUS_GRPC_SERVER_PORT", Integer.toString(grpcPort));
        pb.environment().put("QUARKUS_GRPC_SERVER_HOST", "127.0.0.1");
        pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
        pb.environment().put("OPT_OUT_TRACKING", "true");
        pb.environment().putIfAbsent("DNNL_MAX_CPU_ISA", "AVX2");
        return new ServiceProcess(service, pb.start(), port, grpcPort, log);
    }

    /** Starts and waits (90 s at most) until {@code healthPath} answers 200. */
    public static ServiceProcess start(
            Path root,
            String service,
            int port,
            Map<String, String> env,
            Path log,
            String healthPath)
            throws IOException, InterruptedException {
        ServiceProcess s = launch(root, service, port, env, log);
        s.awaitHealthy(healthPath, Duration.ofSeconds(90));
        return s;
    }

    /**
     * The port of its gRPC server (inference-service's Open Inference Protocol), when it has one.
     */
    public int grpcPort() {
        return grpcPort;
    }

    /** Waits until {@code path} answers 200; fails when the process exits or the time is up. */
    public void awaitHealthy(String path, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!isAlive()) {
                throw new IOException(
                        service + " exited (" + process().exitValue() + "); see " + log());
            }
            if (answers(path)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IOException(
                service + ": " + path + " not healthy after " + timeout + "; see " + log());
    }

    /** Whether {@code path} answers 200 now. */
    public boolean answers(String path) {
        try {
            HttpResponse<Void> r =
                    HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public int port() {
        return port;
    }
}
