package mmdigits.viz.console;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import mmdigits.common.proto.Embedding;
import mmdigits.viz.console.ConsoleView.JobView;
import mmdigits.viz.console.ConsoleView.PublicationView;

/**
 * The scoring jobs and how far each got. The jobs come from {@code digits.events} by the rules the
 * inference service follows: a released version scores the latest test split of the dataset it was
 * trained on (and that dataset's later test splits); a scoring request (of a user, of viz, or for
 * the alias' target) scores the split it names or the dataset's latest. A (version, publication)
 * pair is one job. Progress is counted from {@code digits.embeddings} (one per sample scored,
 * exactly once for {@code read_committed} readers): an embedding of (dataset, version) counts
 * towards the oldest unfinished job of that pair. Embeddings read before their job (the two topics
 * are read side by side) wait, per pair, until it appears.
 */
final class JobBoard {
    private static final int JOBS_KEPT = 100;
    private static final int PAIRS_WAITING = 200;

    /** A version of a model name. */
    private record Target(String name, String version) {}

    /** One job, its count changed in place. */
    private static final class Job {
        final String name;
        final String version;
        final String dataset;
        final PublicationView publication;
        final String requestedBy;
        final Long createdMs;
        long scored;
        Long lastScoredMs;

        Job(
                Target target,
                String dataset,
                PublicationView publication,
                String requestedBy,
                Long createdMs) {
            this.name = target.name();
            this.version = target.version();
            this.dataset = dataset;
            this.publication = publication;
            this.requestedBy = requestedBy;
            this.createdMs = createdMs;
        }

        boolean done() {
            return scored >= publication.count();
        }

        JobView view() {
            long counted = Math.min(scored, publication.count());
            String state = done() ? "DONE" : scored > 0 ? "SCORING" : "WAITING";
            return new JobView(
                    name,
                    version,
                    dataset,
                    publication.id(),
                    requestedBy,
                    publication.count(),
                    counted,
                    publication.count() - counted,
                    state,
                    createdMs,
                    lastScoredMs);
        }
    }

    private final Bounded<String, Job> jobs = new Bounded<>(JOBS_KEPT);
    private final Map<String, Target> trainedOn = new HashMap<>();
    private final Bounded<String, Long> waiting = new Bounded<>(PAIRS_WAITING);

    /** A version trained on {@code dataset} was released; {@code latest} its newest test split. */
    void onReleased(
            String name,
            String version,
            String dataset,
            Optional<PublicationView> latest,
            Long atMs) {
        Target t = new Target(name, version);
        trainedOn.put(dataset, t);
        latest.ifPresent(p -> add(t, dataset, p, "release of " + version, atMs));
    }

    /** A test split was published: the version trained on its dataset scores it. */
    void onTestPublished(String dataset, PublicationView publication, Long atMs) {
        Target own = trainedOn.get(dataset);
        if (own != null) {
            add(own, dataset, publication, "release of " + own.version(), atMs);
        }
    }

    /** A scoring request, for {@code publication} (the named one or the dataset's latest). */
    void onRequested(
            String name,
            String version,
            String dataset,
            PublicationView publication,
            String requestedBy,
            Long atMs) {
        add(new Target(name, version), dataset, publication, requestedBy, atMs);
    }

    private void add(
            Target t, String dataset, PublicationView p, String requestedBy, Long createdMs) {
        String identity = t.version() + "|" + p.id();
        if (jobs.containsKey(identity)) {
            return;
        }
        Job job = new Job(t, dataset, p, requestedBy, createdMs);
        Long early = waiting.remove(pair(dataset, t.version()));
        if (early != null) {
            job.scored = early;
        }
        jobs.put(identity, job);
    }

    void onEmbedding(Embedding e) {
        Job job = oldestOpen(e.getDataset(), e.getModelVersion());
        Long at = e.getScoredAtMs() > 0 ? e.getScoredAtMs() : null;
        if (job == null) {
            waiting.merge(pair(e.getDataset(), e.getModelVersion()), 1L, Long::sum);
            return;
        }
        job.scored++;
        if (at != null) {
            job.lastScoredMs = at;
        }
    }

    /** The oldest job of the pair still counting, else the newest of the pair; null if none. */
    private Job oldestOpen(String dataset, String version) {
        Job newest = null;
        for (Job j : jobs.values()) {
            if (j.dataset.equals(dataset) && j.version.equals(version)) {
                if (!j.done()) {
                    return j;
                }
                newest = j;
            }
        }
        return newest;
    }

    private static String pair(String dataset, String version) {
        return dataset + "|" + version;
    }

    /** The jobs, newest first. */
    List<JobView> view() {
        List<JobView> out = new ArrayList<>();
        jobs.values().forEach(j -> out.add(0, j.view()));
        return out;
    }
}
