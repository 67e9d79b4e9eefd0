package mmdigits.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.stream.Stream;
import mmdigits.localkafka.BrokerProcess;

/**
 * Local stand-ins for the public images docker-compose.yml, docker-compose.cluster.yml and the
 * Dockerfile start from, which the test machines cannot pull (Docker Hub is not reachable there):
 * {@code eclipse-temurin:17-jdk} and {@code :17-jre} are Debian bookworm root filesystems with
 * {@code openjdk-17-jdk-headless} / {@code openjdk-17-jre-headless} made by {@code mmdebstrap} from
 * Debian's packages and loaded with {@code docker import}; {@code apache/kafka:4.1.1} is the
 * project's own KRaft broker on the JRE stand-in ({@code src/test/docker/kafka-standin}); {@code
 * haproxy:2.6} is Debian bookworm's {@code haproxy} package (2.6) made the same way, and {@code
 * prom/prometheus:v2.42.0} Debian bookworm's {@code prometheus} package (2.42). Each is built only
 * when the engine does not have it yet. Nothing else differs from what a user runs.
 */
final class StandIns {
    static final String JDK = "mmdigits-standin/temurin:17-jdk";
    static final String JRE = "mmdigits-standin/temurin:17-jre";
    static final String KAFKA = "mmdigits-standin/kafka:4.1.1";
    static final String HAPROXY = "mmdigits-standin/haproxy:2.6";
    static final String PROMETHEUS = "mmdigits-standin/prometheus:v2.42.0";

    private final Docker docker;
    private final Path work;

    StandIns(Docker docker, Path work) {
        this.docker = docker;
        this.work = work;
    }

    boolean exists(String image) throws Exception {
        return docker.attempt(Duration.ofMinutes(1), "docker", "image", "inspect", image).exitCode()
                == 0;
    }

    void ensureJre() throws Exception {
        ensureDebianJava(JRE, "openjdk-17-jre-headless");
    }

    void ensureJdk() throws Exception {
        ensureDebianJava(JDK, "openjdk-17-jdk-headless");
    }

    /** Debian bookworm with apt (as the temurin images have), a JDK or JRE, and {@code useradd}. */
    private void ensureDebianJava(String image, String javaPackage) throws Exception {
        if (exists(image)) {
            return;
        }
        String javaHome =
                "/usr/lib/jvm/java-17-openjdk-"
                        + docker.run(Duration.ofMinutes(1), "dpkg", "--print-architecture").strip();
        String script =
                "set -o pipefail; mmdebstrap --variant=apt --include=ca-certificates,passwd,"
                        + javaPackage
                        + " --dpkgopt='path-exclude=/usr/share/doc/*'"
                        + machineTrustAnchors()
                        + " --dpkgopt='path-exclude=/usr/share/locale/*' bookworm - "
                        + "| docker import --change 'ENV JAVA_HOME="
                        + javaHome
                        + "'"
                        + " --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'"
                        + " --change 'LABEL org.opencontainers.image.description=\"mmdigits test stand-in: Debian "
                        + javaPackage
                        + "\"'"
                        + " - "
                        + image;
        docker.run(Duration.ofMinutes(10), "bash", "-c", script);
    }

    /**
     * The trust anchors this machine adds to Debian's ({@code /usr/local/share/ca-certificates},
     * e.g. the CA of an HTTPS-inspecting egress proxy), as an image built on its network needs
     * them: without them the Maven build inside the image ({@code APP_BUILD=source}) cannot reach
     * Maven Central here. Empty when there are none.
     */
    private static String machineTrustAnchors() throws IOException {
        Path local = Path.of("/usr/local/share/ca-certificates");
        try (Stream<Path> certs = Files.isDirectory(local) ? Files.list(local) : Stream.empty()) {
            if (certs.noneMatch(c -> c.toString().endsWith(".crt"))) {
                return "";
            }
        }
        return " --customize-hook='mkdir -p \"$1"
                + local
                + "\" && cp "
                + local
                + "/*.crt \"$1"
                + local
                + "/\""
                + " && chroot \"$1\" update-ca-certificates --fresh > /dev/null'";
    }

    /**
     * What the official {@code haproxy:2.6} image offers compose: {@code haproxy} on the PATH, run
     * in the foreground as the user {@code haproxy} on {@code /usr/local/etc/haproxy/haproxy.cfg}
     * (the image's entrypoint adds {@code -W -db} to its command; here the command has them).
     * Debian's package, as {@code ./digits deps cluster} installs it for the cluster mode.
     */
    void ensureHaproxy() throws Exception {
        if (exists(HAPROXY)) {
            return;
        }
        String script =
                "set -o pipefail; mmdebstrap --variant=apt --include=haproxy"
                        + " --dpkgopt='path-exclude=/usr/share/doc/*'"
                        + " --dpkgopt='path-exclude=/usr/share/locale/*'"
                        + " --customize-hook='mkdir -p \"$1/usr/local/etc/haproxy\"' bookworm - "
                        + "| docker import"
                        + " --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'"
                        + " --change 'USER haproxy'"
                        + " --change 'CMD [\"haproxy\", \"-W\", \"-db\", \"-f\", \"/usr/local/etc/haproxy/haproxy.cfg\"]'"
                        + " --change 'LABEL org.opencontainers.image.description=\"mmdigits test stand-in: Debian haproxy\"'"
                        + " - "
                        + HAPROXY;
        docker.run(Duration.ofMinutes(10), "bash", "-c", script);
    }

    /**
     * What the official {@code prom/prometheus} image offers compose: {@code prometheus} as the
     * entrypoint (compose gives its arguments), {@code promtool} on the PATH (the health check),
     * run as the user nobody with {@code /prometheus} its own (the volume of the TSDB takes the
     * directory's owner). Debian's package without its recommends (node-exporter), as {@code
     * ./digits deps all} installs it for {@code promtool test rules}.
     */
    void ensurePrometheus() throws Exception {
        if (exists(PROMETHEUS)) {
            return;
        }
        String script =
                "set -o pipefail; mmdebstrap --variant=apt --include=prometheus"
                        + " --aptopt='APT::Install-Recommends \"false\"'"
                        + " --dpkgopt='path-exclude=/usr/share/doc/*'"
                        + " --dpkgopt='path-exclude=/usr/share/locale/*'"
                        + " --customize-hook='mkdir -p \"$1/prometheus\" && chown nobody:nogroup \"$1/prometheus\"'"
                        + " bookworm - "
                        + "| docker import"
                        + " --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'"
                        + " --change 'USER nobody'"
                        + " --change 'WORKDIR /prometheus'"
                        + " --change 'ENTRYPOINT [\"/usr/bin/prometheus\"]'"
                        + " --change 'CMD [\"--config.file=/etc/prometheus/prometheus.yml\", \"--storage.tsdb.path=/prometheus\"]'"
                        + " --change 'LABEL org.opencontainers.image.description=\"mmdigits test stand-in: Debian prometheus\"'"
                        + " - "
                        + PROMETHEUS;
        docker.run(Duration.ofMinutes(10), "bash", "-c", script);
    }

    /** The project's broker in an image that reads the {@code apache/kafka} image's environment. */
    void ensureKafka() throws Exception {
        if (exists(KAFKA)) {
            return;
        }
        ensureJre();
        Path context = work.resolve("kafka-standin");
        if (Files.exists(context)) {
            ServiceConfig.deleteTree(context);
        }
        copyTree(
                ServiceConfig.root().resolve("deploy-check/src/test/docker/kafka-standin"),
                context);
        Path libs = Files.createDirectories(context.resolve("libs"));
        Path classes = Files.createDirectories(context.resolve("classes"));
        for (String entry : BrokerProcess.classpath().split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                copyTree(p, classes);
            } else {
                Files.copy(p, libs.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        docker.run(
                Duration.ofMinutes(10),
                "docker",
                "build",
                "--build-arg",
                "JRE_IMAGE=" + JRE,
                "-t",
                KAFKA,
                context.toString());
    }

    /** Copies a tree, file modes included (the scripts stay executable). */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(
                            f,
                            target,
                            StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
