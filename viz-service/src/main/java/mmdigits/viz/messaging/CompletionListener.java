package mmdigits.viz.messaging;

import mmdigits.viz.Aggregates;

/**
 * Who hears, as the logs are read, that a pair may have become complete (the report service):
 * defined here and passed in, so that the reading side does not reach up into the reports.
 */
public interface CompletionListener {
    /** An event was applied: any pair may now be complete (a split was published, for one). */
    void checkComplete();

    /** An embedding of {@code pair} was added. */
    void checkComplete(Aggregates.Pair pair);

    /** Both topics were read to their ends: decisions may now be taken on the whole history. */
    void caughtUp();
}
