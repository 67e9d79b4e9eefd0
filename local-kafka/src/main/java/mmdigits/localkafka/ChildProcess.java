package mmdigits.localkafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A child process this JVM started (a broker, a service), its output in a log file: stopped by its
 * process id, with SIGKILL ({@link #kill}) for crash tests or SIGTERM ({@link #close}) otherwise.
 */
public abstract class ChildProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    protected ChildProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    protected Process process() {
        return process;
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits until the process has ended on its own; false when it still runs after {@code timeout}.
     */
    public boolean waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The exit status of an ended process. */
    public int exitValue() {
        return process.exitValue();
    }

    /** SIGKILL: the process dies at once, as in a crash. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, a clean shutdown; SIGKILL when the process has not ended after 30 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
