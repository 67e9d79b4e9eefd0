package mmdigits.demodata;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/** A console progress bar (on a terminal), or a progress line every few seconds (in a log). */
final class ProgressBar {
    private final String title;
    private final long total;
    private final LongSupplier clips;
    private final PrintStream out = System.err;
    private final boolean terminal = System.console() != null;
    private final long start = System.nanoTime();
    private long lastPrint;

    ProgressBar(String title, long total, LongSupplier clips) {
        this.title = title;
        this.total = total;
        this.clips = clips;
    }

    synchronized void update(long done) {
        long now = System.nanoTime();
        boolean finished = done >= total;
        if (!finished && now - lastPrint < (terminal ? 200_000_000L : 5_000_000_000L)) {
            return;
        }
        lastPrint = now;
        double s = (now - start) / 1e9;
        double rate = done / Math.max(s, 1e-9);
        long eta = rate > 0 ? Math.round((total - done) / rate) : 0;
        int width = 30;
        int filled = (int) (width * done / Math.max(1, total));
        String bar = "#".repeat(filled) + "-".repeat(width - filled);
        String line =
                String.format(
                        "%-6s [%s] %3d%%  %,d/%,d samples  %,d clips rendered  %,.0f samples/s  %s %d:%02d",
                        title,
                        bar,
                        100 * done / Math.max(1, total),
                        done,
                        total,
                        clips.getAsLong(),
                        rate,
                        finished ? "took" : "ETA",
                        (finished ? Math.round(s) : eta) / 60,
                        (finished ? Math.round(s) : eta) % 60);
        if (terminal) {
            out.print("\r" + line + (finished ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }
}
