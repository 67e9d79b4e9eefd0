package mmdigits.viz.console;

import java.util.List;

/**
 * What the pipeline console shows, as {@code GET /console/state} answers it: the datasets and their
 * publications, the training runs, the model versions and the aliases with their history, the
 * scoring jobs and the reports. Times are epoch milliseconds (null when unknown), newest first in
 * every list.
 */
public record ConsoleView(
        long atMs,
        boolean caughtUp,
        String alias,
        List<DatasetView> datasets,
        List<RunView> runs,
        Models models,
        List<AliasView> aliases,
        List<JobView> jobs,
        List<ReportView> reports,
        Actions actions) {

    /** One published split of a dataset. */
    public record PublicationView(
            String id,
            String split,
            long count,
            boolean labeled,
            String source,
            Long publishedMs) {}

    /** A dataset and its publications, newest first. */
    public record DatasetView(String name, List<PublicationView> publications) {}

    /**
     * A training run as its events tell it: QUEUED, LOADING (started, no epoch done yet), TRAINING,
     * then RELEASED, FAILED or CANCELLED; {@code epoch} of {@code epochs} done.
     */
    public record RunView(
            String id,
            String dataset,
            String model,
            String state,
            boolean cancelling,
            int epoch,
            int epochs,
            Double loss,
            Double trainAccuracy,
            Double validationAccuracy,
            String modelVersion,
            Boolean promoted,
            String promotionReason,
            String error,
            String instance,
            Long queuedMs,
            Long startedMs,
            Long finishedMs) {}

    /** A model version; {@code aliases} are the aliases that serve it now. */
    public record VersionView(
            String name,
            String version,
            String dataset,
            String runId,
            Double validationAccuracy,
            Long releasedMs,
            List<String> aliases) {}

    /**
     * The versions and where they come from: {@code trainer-service} (its registry, GET /models) or
     * {@code digits.events} (every release announced, pruned versions included).
     */
    public record Models(String source, List<VersionView> versions) {}

    /** One move of an alias: a promotion (gated or explicit) or a rollback. */
    public record AliasChange(
            String name,
            String version,
            String previousName,
            String previousVersion,
            boolean rollback,
            String reason,
            long sequence,
            Long atMs) {}

    /** An alias, the version it serves and how it got there, newest move first. */
    public record AliasView(
            String alias, String name, String version, String reason, List<AliasChange> history) {}

    /**
     * A scoring job: a version scores a dataset's test split (a publication of {@code expected}
     * samples); {@code scored} embeddings of it were seen, {@code remaining} are still to come (the
     * job's lag in samples). State WAITING, SCORING or DONE.
     */
    public record JobView(
            String name,
            String version,
            String dataset,
            String publication,
            String requestedBy,
            long expected,
            long scored,
            long remaining,
            String state,
            Long createdMs,
            Long lastScoredMs) {}

    /** A report and, once READY, the links to its page and its predictions.csv. */
    public record ReportView(
            String dataset,
            String version,
            String state,
            String progress,
            Double accuracy,
            int samples,
            String page,
            String predictions,
            String error,
            long updatedMs) {}

    /**
     * Which actions this viz can forward: train, promote and rollback need the trainer's URL, score
     * the inference service's.
     */
    public record Actions(boolean trainer, boolean inference) {}
}
