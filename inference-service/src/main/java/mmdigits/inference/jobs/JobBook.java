package mmdigits.inference.jobs;

import io.quarkus.logging.Log;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import mmdigits.common.events.Catalog;
import mmdigits.common.events.Promotions;
import mmdigits.common.events.Publication;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelPromoted;
import mmdigits.common.proto.ScoringRequested;
import mmdigits.common.proto.Split;
import mmdigits.common.proto.TrainingResult;

/**
 * The scoring jobs, derived from {@code digits.events} in its order (a handler registered after the
 * {@link Catalog} and {@link Promotions} it reads), the same on every replica:
 *
 * <ul>
 *   <li>a test split is published → the promoted version scores it, and the newest version trained
 *       on its dataset (if another) too; published before anything was promoted, it waits for the
 *       first promotion;
 *   <li>a version is released → it scores the latest test split of the dataset it was trained on;
 *   <li>a scoring request → the version scores the dataset's latest test split.
 * </ul>
 *
 * A (version, publication) pair is scored once: a second job for it is not created. Jobs done on
 * every partition are dropped ({@link #dropDone}), so the book stays small.
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

    private final String alias;
    private final Catalog catalog;
    private final Promotions promotions;
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
    private final Set<Publication> awaitingPromotion = new LinkedHashSet<>();

    public JobBook(String alias, Catalog catalog, Promotions promotions) {
        this.alias = alias;
        this.catalog = catalog;
        this.promotions = promotions;
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
            case MODEL_PROMOTED -> onPromoted(ev.getModelPromoted(), e, next);
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
        Optional<Promotions.Target> promoted = promotions.current(alias);
        if (promoted.isPresent()) {
            add(promoted.get().name(), promoted.get().version(), pub, e, next);
        } else if (awaitingPromotion.size() < MAX_WAITING) {
            awaitingPromotion.add(pub);
        }
        Target own = trainedOn.get(d.getDataset());
        if (own != null) {
            add(own.name(), own.version(), pub, e, next);
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

    private void onPromoted(ModelPromoted p, TopicLog.Entry<Event> e, long[] next) {
        if (!p.getAlias().equals(alias)) {
            return;
        }
        for (Publication pub : awaitingPromotion) {
            add(p.getName(), p.getVersion(), pub, e, next);
        }
        awaitingPromotion.clear();
    }

    private void onRequested(ScoringRequested r, TopicLog.Entry<Event> e, long[] next) {
        catalog.latest(r.getDataset(), Split.TEST)
                .filter(Publication::locatable)
                .ifPresent(pub -> add(r.getName(), r.getVersion(), pub, e, next));
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
