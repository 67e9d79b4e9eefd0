package mmdigits.localkafka;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * HAProxy (Debian's package, 2.6) in front of a service's replicas, as a child process that listens
 * on 127.0.0.1 only and is stopped by its process id: the local stand-in for a Kubernetes Service.
 * A replica gets requests while its readiness ({@value #READY}) answers 200; a request whose
 * replica refused the connection is sent to another one, and so is a request it closed the
 * connection on without answering when the frontend's requests may be repeated ({@link
 * Frontend#replay}). See {@link #config} for the settings. Uses only the JDK, like the rest of this
 * module.
 *
 * <p>From a script ({@code ./digits}): the configuration is written and checked ({@code haproxy
 * -c}), and the command that runs it is printed on standard output, for the script to start in the
 * background and keep its pid:
 *
 * <pre>
 * java -cp local-kafka/target/classes mmdigits.localkafka.LoadBalancer --dir run/lb [--stats-port 8404] \
 *      --frontend ingest=8081:http:127.0.0.1:18081,127.0.0.1:18082 \
 *      --frontend inference=8080:http+replay:127.0.0.1:18080,127.0.0.1:18083 \
 *      --frontend inference-grpc=8084:h2c+replay:127.0.0.1:18084/18080,127.0.0.1:18085/18083
 * # prints: haproxy -f /abs/run/lb/haproxy.cfg -db
 * </pre>
 *
 * A frontend is {@code NAME=PORT:PROTOCOL[+replay]:SERVER[,SERVER...]}; PROTOCOL is {@code http}
 * (REST) or {@code h2c} (gRPC: HTTP/2 without TLS on both sides), {@code +replay} when its requests
 * may be sent twice (inference: predictions change nothing); a SERVER is {@code HOST:PORT}, or
 * {@code HOST:PORT/CHECKPORT} when its readiness is answered on another port (a gRPC server's HTTP
 * port). The replicas are named {@code NAME-0}, {@code NAME-1}, ... in the log and on the stats
 * page.
 */
public final class LoadBalancer extends ChildProcess {
    /** The readiness path of every service (SmallRye Health). */
    public static final String READY = "/q/health/ready";

    /** The file written in the load balancer's directory. */
    public static final String CONFIG = "haproxy.cfg";

    private static final String HAPROXY = "haproxy";
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*");
    private static final HttpClient HTTP =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();

    /** How the proxy talks to clients and replicas. */
    public enum Protocol {
        /** HTTP/1.1 (REST); HTTP/2 clients with prior knowledge are accepted too. */
        HTTP("http"),
        /** HTTP/2 cleartext with prior knowledge on both sides (gRPC). */
        H2C("h2c");

        private final String token;

        Protocol(String token) {
            this.token = token;
        }

        static Protocol parse(String token) {
            return Arrays.stream(values())
                    .filter(p -> p.token.equals(token))
                    .findFirst()
                    .orElseThrow(
                            () ->
                                    new IllegalArgumentException(
                                            "protocol '" + token + "': expected http or h2c"));
        }
    }

    /** A replica: where requests go, and the port of its HTTP server for the health check. */
    public record Server(String host, int port, int checkPort) {
        public static Server of(String host, int port) {
            return new Server(host, port, port);
        }

        /** {@code HOST:PORT} or {@code HOST:PORT/CHECKPORT}. */
        static Server parse(String spec) {
            String[] portCheck = spec.substring(spec.lastIndexOf(':') + 1).split("/", -1);
            String host = spec.substring(0, spec.lastIndexOf(':'));
            int port = Integer.parseInt(portCheck[0]);
            int check = portCheck.length > 1 ? Integer.parseInt(portCheck[1]) : port;
            return new Server(host, port, check);
        }
    }

    /**
     * A port on 127.0.0.1 that spreads requests over replicas. {@code replay}: a request the
     * replica closed the connection on without answering (it crashed) is sent to another replica —
     * only for APIs where a request may run twice (predictions), since the first replica may have
     * done its work (published a sample, started a training) before it died.
     */
    public record Frontend(
            String name,
            int port,
            Protocol protocol,
            List<Server> servers,
            String healthPath,
            boolean replay) {
        public Frontend {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "frontend name '" + name + "': lower-case letters, digits and '-'");
            }
            if (servers.isEmpty()) {
                throw new IllegalArgumentException("frontend " + name + " has no server");
            }
            servers = List.copyOf(servers);
        }

        public static Frontend http(String name, int port, List<Server> servers) {
            return new Frontend(name, port, Protocol.HTTP, servers, READY, false);
        }

        /** gRPC: each server's {@code checkPort} is its HTTP port, where readiness answers. */
        public static Frontend grpc(String name, int port, List<Server> servers) {
            return new Frontend(name, port, Protocol.H2C, servers, READY, false);
        }

        public Frontend withHealthPath(String path) {
            return new Frontend(name, port, protocol, servers, path, replay);
        }

        /** Requests may be sent again after a replica died with them (see above). */
        public Frontend withReplay() {
            return new Frontend(name, port, protocol, servers, healthPath, true);
        }

        /** The name of replica {@code i} in the log and on the stats page. */
        public String serverName(int i) {
            return name + "-" + i;
        }

        /** {@code NAME=PORT:PROTOCOL[+replay]:SERVER[,SERVER...]}. */
        static Frontend parse(String spec) {
            int eq = spec.indexOf('=');
            String[] parts = spec.substring(eq + 1).split(":", 3);
            if (eq < 0 || parts.length < 3) {
                throw new IllegalArgumentException(
                        "--frontend '"
                                + spec
                                + "': expected NAME=PORT:PROTOCOL[+replay]:SERVER[,SERVER...]");
            }
            boolean replay = parts[1].endsWith("+replay");
            List<Server> servers = Arrays.stream(parts[2].split(",")).map(Server::parse).toList();
            return new Frontend(
                    spec.substring(0, eq),
                    Integer.parseInt(parts[0]),
                    Protocol.parse(parts[1].replace("+replay", "")),
                    servers,
                    READY,
                    replay);
        }
    }

    /** One replica's line of the stats page. */
    public record ServerStats(
            String frontend,
            String server,
            String status,
            long requests,
            long retries,
            long redispatches,
            long connectionErrors,
            long responseErrors,
            long responses5xx) {}

    private final List<Frontend> frontends;
    private final int statsPort;

    private LoadBalancer(Process process, Path log, List<Frontend> frontends, int statsPort) {
        super(process, log);
        this.frontends = List.copyOf(frontends);
        this.statsPort = statsPort;
    }

    /**
     * Writes {@code dir/haproxy.cfg} (the stats page on a free port) and runs HAProxy on it, its
     * output in {@code dir/haproxy.log}; returns once every frontend accepts connections.
     */
    public static LoadBalancer start(Path dir, List<Frontend> frontends)
            throws IOException, InterruptedException {
        int statsPort = BrokerProcess.freePort();
        Path config = write(dir, frontends, statsPort);
        Path log = dir.resolve("haproxy.log");
        ProcessBuilder pb =
                new ProcessBuilder(command(config))
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        LoadBalancer lb = new LoadBalancer(launch(pb), log, frontends, statsPort);
        lb.awaitListening(Duration.ofSeconds(10));
        return lb;
    }

    private static Process launch(ProcessBuilder pb) throws IOException {
        try {
            return pb.start();
        } catch (IOException e) {
            throw new IOException(
                    "cannot run haproxy (./digits deps installs Debian's package): "
                            + e.getMessage(),
                    e);
        }
    }

    /** {@code haproxy -f <config> -db}: in the foreground, so that its pid is the one to stop. */
    public static List<String> command(Path config) {
        return List.of(HAPROXY, "-f", config.toAbsolutePath().toString(), "-db");
    }

    /** Writes {@code dir/haproxy.cfg}; {@code statsPort} 0 leaves the stats page out. */
    public static Path write(Path dir, List<Frontend> frontends, int statsPort) throws IOException {
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve(CONFIG), config(frontends, statsPort));
    }

    /**
     * The configuration. Why each setting:
     *
     * <ul>
     *   <li>health check {@code GET <healthPath>} every 500 ms, 2 failures take a replica out and 2
     *       successes bring it back: a replica whose readiness turns DOWN (a service's pre-shutdown
     *       phase) gets no new request after about a second;
     *   <li>{@code retries 3}, {@code option redispatch 1}, {@code retry-on conn-failure}: a
     *       request whose replica refused the connection (it stopped or crashed before the checks
     *       noticed) is sent to another replica at once — {@code balance roundrobin} with two
     *       replicas UP skips HAProxy's 1 s turn-around wait, which is why a refused connection
     *       does not take a replica out by itself ({@code observe layer4} would, and every retry
     *       would wait that second). Where the frontend {@link Frontend#replay replays}: {@code
     *       empty-response} too, a request the replica closed the connection on without a byte of
     *       answer, and {@code option http-buffer-request}, its body read whole before it is
     *       forwarded (else a client that writes the body after the headers, as the JDK's does, has
     *       it half-sent when the replica dies, and it is not sent again). A request is only sent
     *       again when it fits in one buffer ({@code tune.bufsize}: 32 KB here, so that a
     *       single-sample prediction, ~15 KB of JSON at full float precision, does);
     *   <li>timeouts: 2 s to connect on loopback, 5 min for an answer (a dataset upload is
     *       published before its answer), 5 s for a health check (readiness asks the broker with a
     *       3 s timeout);
     *   <li>kept-alive connections to the replicas, shared only after a session's first request
     *       ({@code http-reuse safe}, HAProxy's default): a Quarkus replica shutting down with
     *       {@code quarkus.shutdown.timeout} set answers with {@code Connection: close}, so they
     *       end cleanly.
     * </ul>
     */
    public static String config(List<Frontend> frontends, int statsPort) {
        StringBuilder c = new StringBuilder(GLOBAL);
        frontends.forEach(f -> c.append(listen(f)));
        if (statsPort > 0) {
            c.append(stats(statsPort));
        }
        return c.toString();
    }

    private static final String GLOBAL =
            """
            # Written by mmdigits.localkafka.LoadBalancer at every start: edits are lost.
            global
                # abnormal requests (errors, retries, redispatches, 5xx) and replica state changes
                log stdout format raw local0
                maxconn 1024
                nbthread 1
                # requests are only sent again when they fit in one buffer: 32 KB holds a
                # single-sample prediction (784 + 507 numbers of JSON)
                tune.bufsize 32768

            defaults
                mode http
                log global
                option httplog
                # logged: what went wrong; counted on the stats page: everything
                option dontlog-normal
                option dontlognull
                timeout connect 2s
                timeout client 5m
                timeout server 5m
                timeout http-request 30s
                timeout http-keep-alive 30s
                timeout check 5s
                retries 3
                option redispatch 1
                retry-on conn-failure
                http-reuse safe
                default-server inter 500ms fall 2 rise 2
            """;

    private static final String REPLAY =
            "    option http-buffer-request\n    retry-on conn-failure empty-response\n";

    private static String listen(Frontend f) {
        boolean h2 = f.protocol() == Protocol.H2C;
        StringBuilder s =
                new StringBuilder("\nlisten ")
                        .append(f.name())
                        .append("\n    bind 127.0.0.1:")
                        .append(f.port())
                        .append(h2 ? " proto h2" : "")
                        .append("\n    balance roundrobin\n    option httpchk\n")
                        .append("    http-check send meth GET uri ")
                        .append(f.healthPath())
                        .append("\n    http-check expect status 200\n")
                        .append(f.replay() ? REPLAY : "");
        for (int i = 0; i < f.servers().size(); i++) {
            s.append(server(f.serverName(i), f.servers().get(i), h2));
        }
        return s.toString();
    }

    private static String server(String name, Server s, boolean h2) {
        // a gRPC replica's readiness answers on its HTTP port, in HTTP/1.1
        String check = h2 ? " proto h2 check port " + s.checkPort() + " check-proto h1" : " check";
        return "    server " + name + " " + s.host() + ":" + s.port() + check + "\n";
    }

    private static String stats(int port) {
        return "\nlisten stats\n    bind 127.0.0.1:"
                + port
                + "\n    stats enable\n    stats uri /\n"
                + "    stats refresh 5s\n";
    }

    /** The stats page ({@code /} as HTML, {@code /;csv} for programs). */
    public URI statsUri() {
        return URI.create("http://127.0.0.1:" + statsPort + "/");
    }

    public List<Frontend> frontends() {
        return frontends;
    }

    /** The port where frontend {@code name} listens. */
    public int port(String name) {
        return frontends.stream()
                .filter(f -> f.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no frontend " + name))
                .port();
    }

    /** Every replica's state and counters, read from the stats page. */
    public List<ServerStats> stats() throws IOException, InterruptedException {
        HttpResponse<String> r =
                HTTP.send(
                        HttpRequest.newBuilder(statsUri().resolve(";csv"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return parseStats(r.body());
    }

    /** The replicas' lines of HAProxy's CSV stats (not the FRONTEND and BACKEND totals). */
    static List<ServerStats> parseStats(String csv) {
        List<String> lines = csv.lines().filter(l -> !l.isBlank()).toList();
        List<String> header = Arrays.asList(lines.get(0).replaceFirst("^# ", "").split(",", -1));
        List<ServerStats> out = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            Map<String, String> row = row(header, line.split(",", -1));
            String server = row.get("svname");
            if (!server.equals("FRONTEND") && !server.equals("BACKEND")) {
                out.add(serverStats(row));
            }
        }
        return out;
    }

    private static Map<String, String> row(List<String> header, String[] values) {
        return IntStream.range(0, Math.min(header.size(), values.length))
                .boxed()
                .collect(
                        Collectors.toMap(
                                header::get, i -> values[i], (a, b) -> a, LinkedHashMap::new));
    }

    private static ServerStats serverStats(Map<String, String> row) {
        return new ServerStats(
                row.get("pxname"),
                row.get("svname"),
                row.get("status"),
                count(row, "stot"),
                count(row, "wretr"),
                count(row, "wredis"),
                count(row, "econ"),
                count(row, "eresp"),
                count(row, "hrsp_5xx"));
    }

    private static long count(Map<String, String> row, String column) {
        String v = row.getOrDefault(column, "");
        return v.isEmpty() ? 0 : Long.parseLong(v);
    }

    /** The state of one replica: {@code UP}, {@code DOWN}, {@code UP 1/2} (going down), ... */
    public String status(String frontend, String server) throws IOException, InterruptedException {
        return stats().stream()
                .filter(s -> s.frontend().equals(frontend) && s.server().equals(server))
                .map(ServerStats::status)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no server " + server));
    }

    /** Waits until the replica's state is {@code status} (e.g. {@code UP} after a restart). */
    public void awaitStatus(String frontend, String server, String status, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String now = status(frontend, server);
        while (!now.equals(status)) {
            if (System.nanoTime() > deadline) {
                throw new IOException(
                        frontend + "/" + server + " is " + now + ", not " + status + " after "
                                + timeout);
            }
            Thread.sleep(100);
            now = status(frontend, server);
        }
    }

    private void awaitListening(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Integer> ports = new ArrayList<>(frontends.stream().map(Frontend::port).toList());
        ports.add(statsPort);
        for (int port : ports) {
            while (!accepts(port)) {
                if (!isAlive() || System.nanoTime() > deadline) {
                    close();
                    throw new IOException(
                            "haproxy does not listen on 127.0.0.1:" + port + "; " + tail(log()));
                }
                Thread.sleep(50);
            }
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return "its output ("
                + log
                + "):\n"
                + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    /** Writes and checks the configuration, prints the command that runs it (see above). */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of("run/lb");
        int statsPort = 0;
        List<Frontend> frontends = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--dir" -> dir = Path.of(value);
                case "--stats-port" -> statsPort = Integer.parseInt(value);
                case "--frontend" -> frontends.add(Frontend.parse(value));
                default -> usage("unknown argument " + args[i]);
            }
            i++;
        }
        if (frontends.isEmpty()) {
            usage("no --frontend");
        }
        Path config = write(dir, frontends, statsPort);
        check(config);
        System.out.println(String.join(" ", command(config)));
    }

    /** {@code haproxy -c}: the configuration is valid, or the process exits with HAProxy's word. */
    private static void check(Path config) throws IOException, InterruptedException {
        Process p =
                launch(
                        new ProcessBuilder(HAPROXY, "-c", "-q", "-f", config.toString())
                                .redirectErrorStream(true));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            System.err.println("haproxy refuses " + config + ":\n" + out);
            System.exit(1);
        }
    }

    private static void usage(String problem) {
        System.err.println(
                problem
                        + "\nusage: LoadBalancer [--dir run/lb] [--stats-port PORT]"
                        + " --frontend NAME=PORT:http|h2c[+replay]:HOST:PORT[/CHECKPORT][,...]"
                        + " ...");
        System.exit(2);
    }
}
