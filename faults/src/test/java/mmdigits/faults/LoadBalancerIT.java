package mmdigits.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import mmdigits.localkafka.BrokerProcess;
import mmdigits.localkafka.Keys;
import mmdigits.localkafka.LoadBalancer;
import mmdigits.localkafka.LoadBalancer.Frontend;
import mmdigits.localkafka.LoadBalancer.Server;
import mmdigits.localkafka.LoadBalancer.ServerStats;
import mmdigits.localkafka.RawHttp;
import mmdigits.localkafka.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * HAProxy ({@link LoadBalancer}) in front of two ingest-service replicas, as the cluster mode runs
 * them: two clients send requests through it the whole time ({@code GET /datasets/progress} and
 * {@code POST /samples} with one sample, alternately), one through a frontend that sends a request
 * again only when it never reached a replica (ingest's), one through a frontend that also replays a
 * request whose replica died with it (inference's). The replicas are rolled — SIGTERM, gone,
 * started again on the same port, Ready and UP in the proxy, then the other — and no request may
 * fail; then one is SIGKILLed, and what each client sees is counted beside the proxy's retries.
 * Ingest stands in for inference because its readiness (the broker answers) needs no trained model.
 * Last, a gRPC call through the proxy's h2c frontend to inference-service's gRPC port. The replicas
 * get the graceful-shutdown settings proposed for the services ({@link #GRACEFUL}); the per-second
 * counts and the proxy's counters are printed for the closing note.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LoadBalancerIT {
    static final Duration SHUTDOWN_DELAY = Duration.ofSeconds(3);

    /**
     * Pre-shutdown (readiness DOWN, requests still served) for longer than the proxy's checks take
     * to notice (2 failures 500 ms apart), then up to 30 s for requests in flight. The delay only
     * acts in a build with {@code quarkus.shutdown.delay-enabled=true} (a build-time property).
     */
    static final Map<String, String> GRACEFUL =
            Map.of(
                    "QUARKUS_SHUTDOWN_DELAY",
                    SHUTDOWN_DELAY.toSeconds() + "s",
                    "QUARKUS_SHUTDOWN_TIMEOUT",
                    "30s");

    static final String INGEST = "ingest";
    static final String INGEST_REPLAY = "ingest-replay";
    static final String GRPC = "inference-grpc";
    static Path work;
    static Path keys;
    static BrokerProcess broker;
    static final ServiceProcess[] ingest = new ServiceProcess[2];
    static final int[] ingestPorts = new int[2];
    static ServiceProcess inference;
    static LoadBalancer lb;
    static final List<String> report = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        work = Cluster.fresh(Path.of("target/faults/load-balancer").toAbsolutePath());
        keys = Keys.ensure(work.resolve("keys"));
        broker = BrokerProcess.start(work.resolve("kafka"));
        for (int i = 0; i < 2; i++) {
            ingestPorts[i] = BrokerProcess.freePort();
            ingest[i] = launchIngest(i);
        }
        inference = launchInference();
        for (ServiceProcess s : ingest) {
            s.awaitHealthy(LoadBalancer.READY, Duration.ofSeconds(90));
        }
        inference.awaitHealthy("/q/health/live", Duration.ofSeconds(90));
        lb =
                LoadBalancer.start(
                        work.resolve("lb"),
                        List.of(
                                ingestFrontend(INGEST),
                                ingestFrontend(INGEST_REPLAY).withReplay(),
                                grpcFrontend()));
        for (String frontend : List.of(INGEST, INGEST_REPLAY)) {
            for (int i = 0; i < 2; i++) {
                lb.awaitStatus(frontend, frontend + "-" + i, "UP", Duration.ofSeconds(10));
            }
        }
    }

    @AfterAll
    static void stop() {
        report.forEach(System.out::println);
        if (lb != null) {
            lb.close();
        }
        for (ServiceProcess s : ingest) {
            if (s != null) {
                s.close();
            }
        }
        if (inference != null) {
            inference.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /**
     * Both ingest replicas; {@value #INGEST_REPLAY} sends a request again after its replica died
     * with it, as inference's frontend will (not ingest's: a sample might be published twice).
     */
    static Frontend ingestFrontend(String name) throws IOException {
        return Frontend.http(
                name,
                BrokerProcess.freePort(),
                List.of(
                        Server.of("127.0.0.1", ingestPorts[0]),
                        Server.of("127.0.0.1", ingestPorts[1])));
    }

    /** Liveness, not readiness: inference is Ready only with a trained model, not made here. */
    static Frontend grpcFrontend() throws IOException {
        return Frontend.grpc(
                        GRPC,
                        BrokerProcess.freePort(),
                        List.of(new Server("127.0.0.1", inference.grpcPort(), inference.port())))
                .withHealthPath("/q/health/live");
    }

    static Map<String, String> env(String instance) {
        Map<String, String> env = new HashMap<>(Keys.env(keys));
        env.putAll(GRACEFUL);
        env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.put("MMDIGITS_INSTANCE_ID", instance);
        env.put("JAVA_TOOL_OPTIONS", "-Xmx256m");
        return env;
    }

    static ServiceProcess launchIngest(int i) throws IOException {
        Map<String, String> env = env("ingest-" + i);
        env.put("INGEST_DATASET_ROOT", work.toString());
        return ServiceProcess.launch(
                Cluster.root(),
                "ingest-service",
                ingestPorts[i],
                env,
                work.resolve("ingest-" + i + ".log"));
    }

    static ServiceProcess launchInference() throws IOException {
        return ServiceProcess.launch(
                Cluster.root(),
                "inference-service",
                BrokerProcess.freePort(),
                env("inference-0"),
                work.resolve("inference-0.log"));
    }

    @Test
    @Order(1)
    void aGrpcCallGoesThroughTheH2cFrontend() throws Exception {
        // ServerLiveRequest is empty; ServerLiveResponse{live: true} is field 1, varint 1
        H2c.Reply reply =
                H2c.call(lb.port(GRPC), "/inference.GRPCInferenceService/ServerLive", new byte[0]);
        assertThat(reply.data()).containsExactly(0, 0, 0, 0, 2, 0x08, 0x01);
        assertThat(reply.trailers()).contains("grpc-status", "\u00010");
        assertThat(served(GRPC, "inference-grpc-0").requests()).isEqualTo(1);
        report.add("gRPC ServerLive through the h2c frontend: live=true, grpc-status 0");
    }

    @Test
    @Order(2)
    void aRollingRestartFailsNoRequest() throws Exception {
        List<ServerStats> statsBefore = lb.stats();
        try (Clients clients = new Clients()) {
            Thread.sleep(2000);
            Clients.Counts before = clients.counts();
            for (int i = 0; i < 2; i++) {
                roll(clients, i);
            }
            Thread.sleep(2000);
            Clients.Counts during = clients.counts().minus(before);
            report("rolling restart of ingest-0, then ingest-1", clients, during);
            assertThat(during.plain().failures()).as("failed requests during the roll").isEmpty();
            assertThat(during.replay().failures()).as("failed requests during the roll").isEmpty();
            assertThat(during.plain().ok()).isGreaterThan(50);
            assertThat(during.replay().ok()).isGreaterThan(50);
        }
        for (int i = 0; i < 2; i++) {
            assertThat(served(INGEST, "ingest-" + i).requests()).isPositive();
        }
        // with the services' pre-shutdown delay, no request needs sending again
        reportProxy("over the roll", statsBefore, List.of("-0", "-1"));
    }

    @Test
    @Order(3)
    void aKilledReplicaCostsOnlyTheRequestsItDiedWithWhereThoseAreNotSentAgain() throws Exception {
        List<ServerStats> statsBefore = lb.stats();
        try (Clients clients = new Clients()) {
            Thread.sleep(2000);
            Clients.Counts before = clients.counts();
            clients.event("SIGKILL ingest-0");
            ingest[0].kill();
            Thread.sleep(3000);
            assertThat(lb.status(INGEST, "ingest-0")).isEqualTo("DOWN");
            restart(clients, 0);
            Thread.sleep(2000);
            Clients.Counts during = clients.counts().minus(before);
            report("SIGKILL of ingest-0, then its restart", clients, during);
            assertThat(during.replay().failures()).as("failed requests, replayed").isEmpty();
            // the one in flight, and at most one sent on a kept-alive connection to the killed
            // replica before the proxy saw it closed; those refused were sent to the other
            assertThat(during.plain().failures().size())
                    .as("failed requests, not replayed")
                    .isLessThanOrEqualTo(2);
            assertThat(during.plain().ok()).isGreaterThan(50);
        }
        reportProxy("over the kill", statsBefore, List.of("-0"));
    }

    /** SIGTERM, gone, started again on its port: Ready, then UP in the proxy. */
    static void roll(Clients clients, int i) throws Exception {
        clients.event("SIGTERM ingest-" + i);
        long t0 = System.nanoTime();
        ingest[i].close();
        Duration stop = Duration.ofNanos(System.nanoTime() - t0);
        clients.event(f("ingest-%d exited after %.1f s", i, stop.toMillis() / 1e3));
        // without the pre-shutdown phase a kept-alive connection can close under a request
        assertThat(stop)
                .as(
                        "ingest-%d stopped before its pre-shutdown delay: is it built with"
                                + " quarkus.shutdown.delay-enabled=true?",
                        i)
                .isGreaterThanOrEqualTo(SHUTDOWN_DELAY);
        restart(clients, i);
    }

    static void restart(Clients clients, int i) throws Exception {
        long t0 = System.nanoTime();
        ingest[i] = launchIngest(i);
        ingest[i].awaitHealthy(LoadBalancer.READY, Duration.ofSeconds(90));
        clients.event(f("ingest-%d Ready after %.1f s", i, (System.nanoTime() - t0) / 1e9));
        for (String frontend : List.of(INGEST, INGEST_REPLAY)) {
            lb.awaitStatus(frontend, frontend + "-" + i, "UP", Duration.ofSeconds(30));
        }
        clients.event(
                f("ingest-%d UP in the proxy after %.1f s", i, (System.nanoTime() - t0) / 1e9));
    }

    static void report(String title, Clients clients, Clients.Counts during) {
        report.add(title + " (per second: frontend ingest | ingest-replay):");
        report.addAll(clients.table());
        report.add("  ingest:        " + during.plain());
        report.add("  ingest-replay: " + during.replay());
    }

    /** What the proxy counted for these replicas (suffixes) of both ingest frontends since. */
    static void reportProxy(String when, List<ServerStats> before, List<String> replicas)
            throws Exception {
        List<ServerStats> after = lb.stats();
        for (String frontend : List.of(INGEST, INGEST_REPLAY)) {
            for (String replica : replicas) {
                String server = frontend + replica;
                report.add(
                        f(
                                "  proxy, %s %s: %s",
                                server, when, delta(before, after, frontend, server)));
            }
        }
    }

    static ServerStats served(String frontend, String server) throws Exception {
        return find(lb.stats(), frontend, server);
    }

    static ServerStats find(List<ServerStats> stats, String frontend, String server) {
        return stats.stream()
                .filter(s -> s.frontend().equals(frontend) && s.server().equals(server))
                .findFirst()
                .orElseThrow();
    }

    static String delta(
            List<ServerStats> before, List<ServerStats> after, String frontend, String server) {
        ServerStats b = find(before, frontend, server);
        ServerStats a = find(after, frontend, server);
        return f(
                "+%d requests, +%d retries, +%d redispatches, +%d connection errors,"
                        + " +%d response errors, +%d 5xx",
                a.requests() - b.requests(),
                a.retries() - b.retries(),
                a.redispatches() - b.redispatches(),
                a.connectionErrors() - b.connectionErrors(),
                a.responseErrors() - b.responseErrors(),
                a.responses5xx() - b.responses5xx());
    }

    static String token() throws Exception {
        return Keys.token(keys, "load-balancer-it", List.of("ingest"), Duration.ofHours(1));
    }

    static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    /**
     * The two clients of a test, one per ingest frontend ({@value #INGEST}, {@value
     * #INGEST_REPLAY}), on one clock with what the test did.
     */
    static final class Clients implements AutoCloseable {
        /** Both clients' counts. */
        record Counts(Traffic.Counts plain, Traffic.Counts replay) {
            Counts minus(Counts earlier) {
                return new Counts(plain.minus(earlier.plain), replay.minus(earlier.replay));
            }
        }

        private final long t0 = System.nanoTime();
        private final ConcurrentSkipListMap<Long, List<String>> events =
                new ConcurrentSkipListMap<>();
        private final Traffic plain;
        private final Traffic replay;

        Clients() throws Exception {
            plain = Traffic.start(lb.port(INGEST), token(), t0);
            replay = Traffic.start(lb.port(INGEST_REPLAY), token(), t0);
        }

        Counts counts() {
            return new Counts(plain.counts(), replay.counts());
        }

        void event(String what) {
            long s = (System.nanoTime() - t0) / 1_000_000_000L;
            events.computeIfAbsent(s, k -> new CopyOnWriteArrayList<>()).add(what);
        }

        /** One line per second: each client's answers, and what happened then. */
        List<String> table() {
            List<String> lines = new ArrayList<>();
            for (long s = 0; s <= Math.max(plain.lastSecond(), replay.lastSecond()); s++) {
                lines.add(
                        f(
                                "  t=%3ds %s | %s %s",
                                s, plain.at(s), replay.at(s), events.getOrDefault(s, List.of())));
            }
            return lines;
        }

        @Override
        public void close() throws InterruptedException {
            plain.close();
            replay.close();
        }
    }

    /**
     * One client on one kept-alive connection to the proxy (a new one after an error or a {@code
     * Connection: close}), HTTP/1.1 written by hand so that nothing retries behind our back: every
     * answer other than 200 and every broken connection is a failure.
     */
    static final class Traffic implements AutoCloseable {
        /** Answers slower than this are listed (a retry after HAProxy's turn-around wait). */
        static final long SLOW_MILLIS = 500;

        /** Requests answered 200, the failures and the slow answers (what and when). */
        record Counts(long ok, List<String> failures, List<String> slow) {
            Counts minus(Counts earlier) {
                return new Counts(
                        ok - earlier.ok,
                        failures.subList(earlier.failures.size(), failures.size()),
                        slow.subList(earlier.slow.size(), slow.size()));
            }

            @Override
            public String toString() {
                return f(
                        "%d answered 200, %d failed %s, %d slower than %d ms %s",
                        ok, failures.size(), failures, slow.size(), SLOW_MILLIS, slow);
            }
        }

        private final int port;
        private final String token;
        private final long t0;
        private final AtomicLong ok = new AtomicLong();
        private final List<String> failures = new CopyOnWriteArrayList<>();
        private final List<String> slow = new CopyOnWriteArrayList<>();
        private final ConcurrentSkipListMap<Long, long[]> seconds = new ConcurrentSkipListMap<>();
        private final Thread thread;
        private volatile boolean running = true;
        private Socket socket;
        private InputStream in;
        private long row;

        private Traffic(int port, String token, long t0) {
            this.port = port;
            this.token = token;
            this.t0 = t0;
            this.thread = new Thread(this::run, "traffic-" + port);
        }

        /** Starts sending; seconds count from {@code t0} (a {@link System#nanoTime}). */
        static Traffic start(int port, String token, long t0) {
            Traffic t = new Traffic(port, token, t0);
            t.thread.start();
            return t;
        }

        Counts counts() {
            return new Counts(ok.get(), List.copyOf(failures), List.copyOf(slow));
        }

        /** Second {@code s}: requests answered, failed, the slowest. */
        String at(long s) {
            long[] n = seconds.getOrDefault(s, new long[3]);
            return f("ok=%3d failed=%d slowest=%4d ms", n[0], n[1], n[2]);
        }

        long lastSecond() {
            return seconds.isEmpty() ? 0 : seconds.lastKey();
        }

        private long second() {
            return (System.nanoTime() - t0) / 1_000_000_000L;
        }

        private void run() {
            while (running) {
                String what = row % 2 == 1 ? "POST" : "GET";
                long t = System.nanoTime();
                try {
                    String head = send(what.equals("POST"));
                    int status = Integer.parseInt(head.substring(9, 12));
                    if (status == 200) {
                        count(0);
                        ok.incrementAndGet();
                    } else {
                        fail(what + " " + status);
                    }
                } catch (IOException | RuntimeException e) {
                    disconnect();
                    fail(what + " " + e);
                }
                took(what, (System.nanoTime() - t) / 1_000_000);
                row++;
            }
            disconnect();
        }

        private String send(boolean post) throws IOException {
            if (socket == null) {
                socket = new Socket("127.0.0.1", port);
                socket.setSoTimeout(30_000);
                in = new BufferedInputStream(socket.getInputStream());
            }
            OutputStream out = socket.getOutputStream();
            out.write(post ? post() : get());
            out.flush();
            String answer = RawHttp.readResponse(in);
            if (answer.isEmpty()) {
                throw new IOException("the proxy closed the connection without an answer");
            }
            String lower = answer.toLowerCase(Locale.ROOT);
            if (lower.contains("connection: close") || !lower.contains("content-length:")) {
                disconnect();
            }
            return answer;
        }

        private byte[] get() {
            return ("GET /datasets/progress HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
        }

        private byte[] post() {
            byte[] body = sample(row).getBytes(StandardCharsets.UTF_8);
            String head =
                    "POST /samples HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Content-Type: application/json\r\n"
                            + "Authorization: Bearer "
                            + token
                            + "\r\nContent-Length: "
                            + body.length
                            + "\r\n\r\n";
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(body);
            return b.toByteArray();
        }

        static String sample(long row) {
            return "{\"dataset\":\"lb\",\"split\":\"test\",\"row_id\":"
                    + row
                    + ",\"image\":["
                    + "12.5,".repeat(783)
                    + "0],\"audio\":["
                    + "-3.25,".repeat(506)
                    + "0]}";
        }

        private long[] now() {
            return seconds.computeIfAbsent(second(), s -> new long[3]);
        }

        private void count(int column) {
            now()[column]++;
        }

        private void took(String what, long millis) {
            long[] n = now();
            n[2] = Math.max(n[2], millis);
            if (millis >= SLOW_MILLIS) {
                slow.add(f("t=%ds %s %d ms", second(), what, millis));
            }
        }

        private void fail(String what) {
            count(1);
            failures.add(f("t=%ds %s", second(), what));
        }

        private void disconnect() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // closing a broken connection: nothing to save
                }
                socket = null;
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(60_000);
        }
    }

    /**
     * One gRPC call as HTTP/2 frames written by hand (this module has no gRPC client): the
     * connection preface, SETTINGS, a HEADERS frame (HPACK literals without indexing or Huffman
     * coding, RFC 7541 §6.2.2) and a DATA frame holding the length-prefixed message; the answer's
     * DATA and its trailers (HAProxy writes header names and values as plain literals).
     */
    static final class H2c {
        static final int DATA = 0;
        static final int HEADERS = 1;
        static final int RST_STREAM = 3;
        static final int SETTINGS = 4;
        static final int GOAWAY = 7;
        static final int END_STREAM = 1;
        static final int END_HEADERS = 4;

        /** The answer's DATA payload and its last header block (the trailers) as text. */
        record Reply(byte[] data, String trailers) {}

        static Reply call(int port, String path, byte[] message) throws IOException {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                DataOutputStream out =
                        new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
                out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                frame(out, SETTINGS, 0, 0, new byte[0]);
                frame(out, HEADERS, END_HEADERS, 1, headers(port, path));
                frame(out, DATA, END_STREAM, 1, grpcMessage(message));
                out.flush();
                return read(new DataInputStream(new BufferedInputStream(s.getInputStream())), out);
            }
        }

        static byte[] headers(int port, String path) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            literal(b, ":method", "POST");
            literal(b, ":scheme", "http");
            literal(b, ":path", path);
            literal(b, ":authority", "127.0.0.1:" + port);
            literal(b, "content-type", "application/grpc");
            literal(b, "te", "trailers");
            return b.toByteArray();
        }

        /** A literal header field without indexing, new name; strings shorter than 127 bytes. */
        static void literal(ByteArrayOutputStream b, String name, String value) {
            b.write(0);
            for (String s : List.of(name, value)) {
                byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
                b.write(bytes.length);
                b.writeBytes(bytes);
            }
        }

        /** gRPC's framing: not compressed, 4-byte big-endian length, the message. */
        static byte[] grpcMessage(byte[] message) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.write(0);
            b.writeBytes(
                    new byte[] {
                        (byte) (message.length >>> 24),
                        (byte) (message.length >>> 16),
                        (byte) (message.length >>> 8),
                        (byte) message.length
                    });
            b.writeBytes(message);
            return b.toByteArray();
        }

        static void frame(DataOutputStream out, int type, int flags, int stream, byte[] payload)
                throws IOException {
            out.writeByte(payload.length >>> 16);
            out.writeShort(payload.length & 0xffff);
            out.writeByte(type);
            out.writeByte(flags);
            out.writeInt(stream);
            out.write(payload);
        }

        static Reply read(DataInputStream in, DataOutputStream out) throws IOException {
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            while (true) {
                int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int stream = in.readInt() & 0x7fffffff;
                byte[] payload = in.readNBytes(length);
                if (type == SETTINGS && (flags & 1) == 0) {
                    frame(out, SETTINGS, 1, 0, new byte[0]);
                    out.flush();
                } else if (type == RST_STREAM || type == GOAWAY) {
                    throw new IOException("HTTP/2 frame type " + type + " on stream " + stream);
                } else if (stream == 1 && type == DATA) {
                    data.writeBytes(payload);
                } else if (stream == 1 && type == HEADERS && (flags & END_STREAM) != 0) {
                    return new Reply(
                            data.toByteArray(), new String(payload, StandardCharsets.ISO_8859_1));
                }
            }
        }
    }
}
