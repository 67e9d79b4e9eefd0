package mmdigits.inference.jobs;

import io.quarkus.logging.Log;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import mmdigits.common.events.Catalog;
import mmdigits.common.events.Publication;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ScoringRequested;
import mmdigits.common.proto.Split;
import mmdigits.common.proto.TrainingResult;

/**
 * The scoring jobs, derived from {@code digits.events} in its order (a handler registered after the
 * {@link Catalog} it reads), the same on every replica:
 *
 * <ul>
 *   <li>a version is released → it scores the latest test split of the dataset it was trained on,
 *       and the test splits of that dataset published later;
 *   <li>a scoring request → the version scores the test split it names (the alias' target asked for
 *       by messaging.AliasScoring for every published test split), or the dataset's latest.
 * </ul>
 *
 * Which version the alias points at is on {@code digits.promotions}, another topic than the one
 * whose order the jobs follow; so a published test split is not given to "the promoted version"
 * here, where two replicas could read the two topics in different interleavings: the split waits in
 * {@link #awaitingAlias()} until a request for it, written once a promotion is known, comes through
 * this log. A (version, publication) pair is scored once: a second job for it is not created. Jobs
 * done on every partition are dropped ({@link #dropDone}), so the book stays small.
 */
public final class JobBook implements TopicLog.Handler<Event> {
    /** A version: name and id. */
    private record Target(String name, String version) {}

    private static final int MAX_WAITING = 1000;

    /**
     * (version, publication) pairs remembered to refuse a second job for them; the oldest are
     * forgotten.
     */
    private static final int MAX_IDENTITIES = 100_000;

    private final Catalog catalog;
    private final TreeMap<Long, ScoringJob> jobs = new TreeMap<>();
    private final Set<String> identities =
            Collections.newSetFromMap(
                    new LinkedHashMap<>(1024, 0.75f, false) {
                        @Override
                        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                            return size() > MAX_IDENTITIES;
                        }
                    });
    private final Map<String, Target> trainedOn = new HashMap<>();
    private final Map<String, Publication> awaitingAlias = new LinkedHashMap<>();

    public JobBook(Catalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public synchronized void on(TopicLog.Entry<Event> e) {
        Event ev = e.value();
        if (ev == null) {
            return;
        }
        long[] next = {e.offset() * ScoringJob.PER_EVENT};
        switch (ev.getPayloadCase()) {
            case DATASET_PUBLISHED -> onPublished(ev.getDatasetPublished(), e, next);
            case TRAINING_RESULT -> onReleased(ev.getTrainingResult(), e, next);
            case SCORING_REQUESTED -> onRequested(ev.getScoringRequested(), e, next);
            default -> {}
        }
    }

    private void onPublished(DatasetPublished d, TopicLog.Entry<Event> e, long[] next) {
        if (d.getSplit() != Split.TEST) {
            return;
        }
        Publication pub = Publication.of(d, e.offset());
        if (!pub.locatable()) {
            return; // an older format: its records carry no publication header
        }
        Target own = trainedOn.get(d.getDataset());
        if (own != null) {
            add(own.name(), own.version(), pub, e, next);
        }
        awaitingAlias.put(pub.id(), pub);
        if (awaitingAlias.size() > MAX_WAITING) {
            awaitingAlias.remove(awaitingAlias.keySet().iterator().next());
        }
    }

    private void onReleased(TrainingResult r, TopicLog.Entry<Event> e, long[] next) {
        if (r.getModelVersion().isEmpty()) {
            return;
        }
        String name = r.getModelName().isEmpty() ? r.getDataset() : r.getModelName();
        trainedOn.put(r.getDataset(), new Target(name, r.getModelVersion()));
        catalog.latest(r.getDataset(), Split.TEST)
                .filter(Publication::locatable)
                .ifPresent(pub -> add(name, r.getModelVersion(), pub, e, next));
    }

    private void onRequested(ScoringRequested r, TopicLog.Entry<Event> e, long[] next) {
        Optional<Publication> latest =
                catalog.latest(r.getDataset(), Split.TEST).filter(Publication::locatable);
        Optional<Publication> pub =
                r.getPublicationId().isEmpty()
                        ? latest
                        : Optional.ofNullable(awaitingAlias.remove(r.getPublicationId()))
                                .or(() -> latest.filter(p -> p.id().equals(r.getPublicationId())));
        pub.ifPresent(p -> add(r.getName(), r.getVersion(), p, e, next));
    }

    /**
     * Published test splits that no request has given to the alias' target yet, oldest first: what
     * messaging.AliasScoring asks to be scored.
     */
    public synchronized List<Publication> awaitingAlias() {
        return List.copyOf(awaitingAlias.values());
    }

    private void add(
            String name, String version, Publication pub, TopicLog.Entry<Event> e, long[] next) {
        if (!identities.add(version + "|" + pub.id())) {
            return;
        }
        long seq = next[0]++;
        ScoringJob job = new ScoringJob(seq, name, version, pub, e.historical(), System.nanoTime());
        jobs.put(seq, job);
        if (!e.historical()) {
            Log.infof("scoring %s", job.describe());
        }
    }

    public synchronized ScoringJob get(long seq) {
        return jobs.get(seq);
    }

    /** The jobs after {@code seq}, in order. */
    public synchronized List<ScoringJob> after(long seq) {
        return new ArrayList<>(jobs.tailMap(seq, false).values());
    }

    /** Forgets the jobs every partition has done. */
    public synchronized void dropDone(long doneEverywhere) {
        jobs.headMap(doneEverywhere, true).clear();
    }

    /** The versions the remaining jobs need. */
    public synchronized Set<String> versionsNeeded() {
        Set<String> v = new HashSet<>();
        jobs.values().forEach(j -> v.add(j.version()));
        return v;
    }

    public synchronized int size() {
        return jobs.size();
    }

    /** Whether a (version, publication) pair has a job (done or not). */
    public synchronized boolean has(String version, String publication) {
        return identities.contains(version + "|" + publication);
    }
}
