package mmdigits.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Commands of the Docker engine's clients for the compose test: each one's output in a log file
 * under {@code logs}, a progress line with its time on stdout, a failure with the command and its
 * output. Compose builds through the Docker CLI with BuildKit ({@code COMPOSE_DOCKER_CLI_BUILD=1}):
 * the CLI of Debian's docker.io (/usr/bin/docker, BuildKit built in) comes first on the PATH, since
 * a newer CLI without the buildx plugin can only use the legacy builder, which would build every
 * stage of the Dockerfile.
 */
final class Docker {
    /** One command's exit code and output (stdout and stderr). */
    record Result(int exitCode, String output) {}

    private final Path logs;

    /**
     * The docker command: java resolves a program on its own PATH, not on the one given to the
     * child.
     */
    private final String cli;

    private final Map<String, String> env = new LinkedHashMap<>();
    private final AtomicInteger count = new AtomicInteger();

    Docker(Path logs) throws IOException {
        this.logs = Files.createDirectories(logs);
        Path bin = Files.createDirectories(logs.resolve("bin"));
        Path link = bin.resolve("docker");
        if (Files.exists(Path.of("/usr/bin/docker"))
                && !Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(link, Path.of("/usr/bin/docker"));
        }
        cli = Files.exists(link, LinkOption.NOFOLLOW_LINKS) ? link.toString() : "docker";
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        env.put("COMPOSE_DOCKER_CLI_BUILD", "1");
        env.put("DOCKER_BUILDKIT", "1");
    }

    /** Environment variables of every later command. */
    Docker with(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** Runs a command; fails the test unless it exits with 0. Returns its output. */
    String run(Duration timeout, String... command) throws Exception {
        Result r = attempt(timeout, command);
        assertThat(r.exitCode())
                .as("%s (exit %d):%n%s", String.join(" ", command), r.exitCode(), tail(r.output()))
                .isZero();
        return r.output();
    }

    /** Runs a command and returns its exit code and output, whatever they are. */
    Result attempt(Duration timeout, String... command) throws Exception {
        int n = count.incrementAndGet();
        Path log =
                logs.resolve(String.format("%03d-%s.log", n, command[0].replaceAll("[^a-z-]", "")));
        List<String> argv = new ArrayList<>(List.of(command));
        if (argv.get(0).equals("docker")) {
            argv.set(0, cli);
        }
        ProcessBuilder pb =
                new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Process p = pb.start();
        boolean ended = p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly().waitFor();
        }
        String out = Files.readString(log);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "[compose-it] %6.1f s  %s%s%n",
                seconds,
                abbreviate(String.join(" ", command)),
                ended
                        ? (p.exitValue() == 0 ? "" : "  (exit " + p.exitValue() + ")")
                        : "  (timed out)");
        assertThat(ended)
                .as("%s did not end in %s:%n%s", String.join(" ", command), timeout, tail(out))
                .isTrue();
        return new Result(p.exitValue(), out);
    }

    /** The Docker engine answers (bash .ci/run starts one when none runs). */
    static boolean engineRuns() {
        try {
            Process p =
                    new ProcessBuilder("docker", "info")
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static List<String> lines(String output) {
        List<String> out = new ArrayList<>();
        output.lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(out::add);
        return out;
    }

    /** The command for the progress line: passwords masked, long ones cut. */
    private static String abbreviate(String command) {
        String s = command.replaceAll("password=[^\\s\"']+", "password=***");
        return s.length() <= 160 ? s : s.substring(0, 157) + "...";
    }

    private static String tail(String s) {
        return s.length() <= 6000 ? s : "..." + s.substring(s.length() - 6000);
    }
}
