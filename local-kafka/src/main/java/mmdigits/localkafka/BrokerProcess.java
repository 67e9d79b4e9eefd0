package mmdigits.localkafka;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts {@link LocalKafka} in a child JVM on free loopback ports and stops it by its process id
 * (SIGKILL leaves its data directory: start it again on the same {@link #ports}). Uses only the
 * JDK, so that tests can start a broker without Kafka's server classes on their own classpath.
 */
public final class BrokerProcess extends ChildProcess {
    static final long READY_TIMEOUT_SECONDS = 90;

    private final String bootstrapServers;
    private final Path dir;
    private final int[] ports;

    private BrokerProcess(
            Process process, String bootstrapServers, Path dir, Path log, int[] ports) {
        super(process, log);
        this.bootstrapServers = bootstrapServers;
        this.dir = dir;
        this.ports = ports;
    }

    /** Starts a broker with its data in {@code dir} on free ports; waits until it serves. */
    public static BrokerProcess start(Path dir)
            throws IOException, InterruptedException, TimeoutException {
        return start(dir, freePort(), freePort());
    }

    public static BrokerProcess start(Path dir, int port, int controllerPort)
            throws IOException, InterruptedException, TimeoutException {
        Files.createDirectories(dir);
        Path log = dir.resolve("broker-" + System.currentTimeMillis() + ".log");
        Spawned spawned =
                spawn(
                        List.of(),
                        List.of(
                                "--dir",
                                dir.toString(),
                                "--port",
                                Integer.toString(port),
                                "--controller-port",
                                Integer.toString(controllerPort)),
                        log,
                        false);
        String bootstrap = spawned.await(log, READY_TIMEOUT_SECONDS);
        return new BrokerProcess(
                spawned.process(), bootstrap, dir, log, new int[] {port, controllerPort});
    }

    /** A {@link LocalKafka} process and the bootstrap address its READY line will give. */
    record Spawned(Process process, CompletableFuture<String> ready) {
        /**
         * The bootstrap address once the node serves; the process is killed when it exits or stays
         * silent for {@code seconds}.
         */
        String await(Path log, long seconds)
                throws IOException, InterruptedException, TimeoutException {
            try {
                return ready.get(seconds, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                process.destroyForcibly();
                throw new IOException(
                        "local Kafka broker did not start: "
                                + e.getCause().getMessage()
                                + "; see "
                                + log);
            } catch (TimeoutException e) {
                process.destroyForcibly();
                throw new TimeoutException(
                        "local Kafka broker not ready after " + seconds + " s; see " + log);
            }
        }
    }

    /**
     * Starts {@link LocalKafka} with {@code args} in a child JVM (512 MB heap, {@code jvmOptions}
     * added), its output into {@code log} (appended to, or replaced).
     */
    static Spawned spawn(List<String> jvmOptions, List<String> args, Path log, boolean append)
            throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                java,
                                "-Xmx512m",
                                "-XX:+UseSerialGC",
                                "-XX:TieredStopAtLevel=1",
                                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", classpath(), LocalKafka.class.getName()));
        cmd.addAll(args);
        Process process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread pump =
                new Thread(
                        () -> pump(process.getInputStream(), log, append, ready),
                        "local-kafka-output");
        pump.setDaemon(true);
        pump.start();
        return new Spawned(process, ready);
    }

    private static void pump(
            InputStream in, Path log, boolean append, CompletableFuture<String> ready) {
        OpenOption[] mode =
                append
                        ? new OpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.APPEND}
                        : new OpenOption[0];
        try (BufferedReader r =
                        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                var w = Files.newBufferedWriter(log, StandardCharsets.UTF_8, mode)) {
            String line;
            while ((line = r.readLine()) != null) {
                w.write(line);
                w.newLine();
                w.flush();
                if (line.startsWith(LocalKafka.READY)) {
                    String rest = line.substring(LocalKafka.READY.length());
                    int sp = rest.indexOf(' ');
                    ready.complete(sp < 0 ? rest : rest.substring(0, sp));
                }
            }
            ready.completeExceptionally(new IOException("the broker process exited"));
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
    }

    /** This module's classes plus the broker's dependencies, listed at build time. */
    public static String classpath() throws IOException {
        String own;
        try {
            own =
                    Path.of(
                                    LocalKafka.class
                                            .getProtectionDomain()
                                            .getCodeSource()
                                            .getLocation()
                                            .toURI())
                            .toString();
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        try (InputStream in = BrokerProcess.class.getResourceAsStream("broker-classpath.txt")) {
            if (in == null) {
                throw new IOException(
                        "broker-classpath.txt is missing from the local-kafka module: build it with ./mvnw");
            }
            String deps = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            return own + File.pathSeparator + deps;
        }
    }

    /** The ports {@link #freePort} handed out in this JVM: none is handed out twice. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /**
     * A loopback port that is free now and that this JVM has not handed out before: the system may
     * give a just-closed ephemeral port again, and two services of one test on the same port fail
     * (TwoDatasetsIT saw ingest and viz given one port).
     */
    public static int freePort() throws IOException {
        for (int attempt = 0; attempt < 1000; attempt++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
        throw new IOException("no free loopback port that was not handed out already");
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path dir() {
        return dir;
    }

    /**
     * The ports this broker listens on: {@code [port, controllerPort]}, to start it again on the
     * same ones.
     */
    public int[] ports() {
        return ports.clone();
    }

    /** For callers that cannot throw checked exceptions. */
    static BrokerProcess startUnchecked(Path dir) {
        try {
            return start(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }
}
