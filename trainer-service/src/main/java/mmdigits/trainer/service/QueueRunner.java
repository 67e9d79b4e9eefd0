package mmdigits.trainer.service;

import io.quarkus.logging.Log;
import java.util.Optional;
import mmdigits.common.proto.TrainingQueued;
import mmdigits.trainer.TrainingRun;

/**
 * The replica that holds the training queue: it runs the queued runs one at a time, in order,
 * cancels a queued run at once and stops the running one at its next batch, and hands the running
 * one over when it loses the queue. After a restart, or on the replica that took the queue over,
 * the runs are known again from the {@link RunBook} (read back from {@code digits.events}): a
 * finished run is skipped, an unfinished one runs again.
 */
final class QueueRunner {
    private static final String CANCELLED_BEFORE_START = "cancelled before it started";

    private final RunBook book;
    private final RunSettings settings;
    private final RunExecutor executor;
    private final String instanceId;
    private final Object lock = new Object();
    private String active;
    private boolean leading;

    QueueRunner(RunBook book, RunSettings settings, RunExecutor executor, String instanceId) {
        this.book = book;
        this.settings = settings;
        this.executor = executor;
        this.instanceId = instanceId;
    }

    /**
     * Runs a queued run; returns when it has finished (or was cancelled or handed over). A finished
     * run, or one this replica runs already, is skipped; one cancelled before it started ends
     * CANCELLED.
     */
    void run(TrainingQueued q) {
        if (!claim(q.getRunId())) {
            return;
        }
        try {
            executor.execute(settings.job(q));
        } finally {
            synchronized (lock) {
                active = null;
            }
        }
    }

    /** Whether this replica runs the run now (it becomes the active one). */
    private boolean claim(String id) {
        synchronized (lock) {
            Optional<TrainingRun> run = book.run(id);
            if (run.isEmpty() || run.get().finished() || id.equals(active)) {
                return false; // finished and forgotten, finished, or running here already
            }
            if (book.cancelRequested(id)) {
                executor.finish(id, TrainingRun.CANCELLED, CANCELLED_BEFORE_START);
                return false;
            }
            active = id;
            return true;
        }
    }

    /** A cancellation was asked for (on the events log's thread, every replica). */
    void onCancelRequested(String id) {
        synchronized (lock) {
            if (id.equals(active)) {
                executor.cancel(id);
            } else if (leading && waiting(id)) {
                executor.finish(id, TrainingRun.CANCELLED, CANCELLED_BEFORE_START);
            }
        }
    }

    private boolean waiting(String id) {
        return book.run(id).map(r -> !r.finished() && !r.started()).orElse(false);
    }

    /**
     * This replica holds the training queue ({@code true}) or no longer does: a run it was running
     * is handed over (the new holder runs it again).
     */
    void leading(boolean nowLeading) {
        synchronized (lock) {
            if (leading != nowLeading) {
                Log.infof(
                        nowLeading
                                ? "%s runs the training queue"
                                : "%s no longer runs the training queue",
                        instanceId);
            }
            leading = nowLeading;
            if (!nowLeading && active != null) {
                executor.handOver(active);
            }
        }
    }
}
