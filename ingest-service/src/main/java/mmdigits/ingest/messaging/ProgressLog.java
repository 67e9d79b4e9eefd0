package mmdigits.ingest.messaging;

import io.quarkus.logging.Log;
import java.time.Duration;

/** Logs a long publish at most every {@code interval}: rows, share done, rows/s, MB/s. */
public final class ProgressLog {
    private final String what;
    private final long total;
    private final long intervalNanos;
    private final long start = System.nanoTime();
    private long lastLog = start;
    private volatile long bytes;
    private volatile long rows;

    public ProgressLog(String what, long total, Duration interval) {
        this.what = what;
        this.total = total;
        this.intervalNanos = interval.toNanos();
    }

    public void update(long rowsDone, long recordBytes) {
        rows = rowsDone;
        bytes += recordBytes;
        long now = System.nanoTime();
        if (now - lastLog >= intervalNanos) {
            lastLog = now;
            Log.info(line(now));
        }
    }

    public String finish() {
        String line = line(System.nanoTime());
        Log.info(line);
        return line;
    }

    /** Bytes of the records counted so far. */
    public long bytes() {
        return bytes;
    }

    public double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Where a publish stands, for GET /datasets/progress. */
    public record Snapshot(
            String what,
            long rows,
            long total,
            double rowsPerSecond,
            double megabytesPerSecond,
            double seconds) {}

    public Snapshot snapshot() {
        double s = Math.max(1e-9, seconds());
        return new Snapshot(what, rows, total, rows / s, bytes / s / 1e6, s);
    }

    private String line(long now) {
        double s = Math.max(1e-9, (now - start) / 1e9);
        return String.format(
                "%s: %,d / %,d rows (%.0f%%), %,.0f rows/s, %.1f MB/s, %.1f s",
                what,
                rows,
                total,
                total == 0 ? 100.0 : 100.0 * rows / total,
                rows / s,
                bytes / s / 1e6,
                s);
    }
}
