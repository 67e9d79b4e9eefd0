package mmdigits.viz.console;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelPromoted;
import mmdigits.common.proto.ScoringRequested;
import mmdigits.common.proto.Split;
import mmdigits.common.proto.TrainingResult;
import mmdigits.viz.console.ConsoleView.AliasView;
import mmdigits.viz.console.ConsoleView.DatasetView;
import mmdigits.viz.console.ConsoleView.JobView;
import mmdigits.viz.console.ConsoleView.PublicationView;
import mmdigits.viz.console.ConsoleView.RunView;
import mmdigits.viz.console.ConsoleView.VersionView;

/**
 * The pipeline's state for the console, derived from the logs viz follows anyway ({@code
 * digits.events}, {@code digits.promotions}, {@code digits.embeddings}; the handlers are registered
 * by {@code VizLogs}): so every viz replica shows the same state, rebuilt at each start, with no
 * call to another service. The logs' threads write, the console's requests read a copy.
 */
@ApplicationScoped
public class PipelineBoard {
    /** A consistent copy of everything the boards know. */
    public record Snapshot(
            List<DatasetView> datasets,
            List<RunView> runs,
            List<VersionView> versions,
            List<AliasView> aliases,
            List<JobView> jobs) {}

    private final DatasetBoard datasets = new DatasetBoard();
    private final RunBoard runs = new RunBoard();
    private final ModelBoard models = new ModelBoard();
    private final JobBoard jobs = new JobBoard();

    /** A handler of digits.events. */
    public synchronized void onEvent(TopicLog.Entry<Event> entry) {
        Event ev = entry.value();
        if (ev == null) {
            return;
        }
        Long at = ev.getTimestampMs() > 0 ? ev.getTimestampMs() : null;
        switch (ev.getPayloadCase()) {
            case DATASET_PUBLISHED -> onPublished(ev.getDatasetPublished(), at);
            case TRAINING_QUEUED -> runs.onQueued(ev.getTrainingQueued(), at);
            case TRAINING_STARTED -> runs.onStarted(ev.getTrainingStarted(), at);
            case TRAINING_PROGRESS -> runs.onProgress(ev.getTrainingProgress());
            case TRAINING_CANCEL_REQUESTED ->
                    runs.onCancelRequested(ev.getTrainingCancelRequested().getRunId());
            case TRAINING_RESULT -> onResult(ev.getTrainingResult(), at);
            case SCORING_REQUESTED -> onRequested(ev.getScoringRequested(), at);
            default -> {}
        }
    }

    private void onPublished(DatasetPublished d, Long at) {
        datasets.onPublished(d, at);
        if (d.getSplit() == Split.TEST) {
            datasets.latestTest(d.getDataset())
                    .ifPresent(p -> jobs.onTestPublished(d.getDataset(), p, at));
        }
    }

    private void onResult(TrainingResult t, Long at) {
        runs.onResult(t, at);
        if (!t.getModelVersion().isEmpty()) {
            models.onReleased(t, at);
            String name = t.getModelName().isEmpty() ? t.getDataset() : t.getModelName();
            jobs.onReleased(
                    name,
                    t.getModelVersion(),
                    t.getDataset(),
                    datasets.latestTest(t.getDataset()),
                    at);
        }
    }

    private void onRequested(ScoringRequested r, Long at) {
        Optional<PublicationView> split =
                r.getPublicationId().isEmpty()
                        ? datasets.latestTest(r.getDataset())
                        : datasets.publication(r.getDataset(), r.getPublicationId());
        split.ifPresent(
                p ->
                        jobs.onRequested(
                                r.getName(),
                                r.getVersion(),
                                r.getDataset(),
                                p,
                                r.getRequestedBy(),
                                at));
    }

    /** A handler of digits.promotions (after its signature and sequence check). */
    public synchronized void onPromotion(TopicLog.Entry<ModelPromoted> entry) {
        ModelPromoted p = entry.value();
        if (p != null && !p.getAlias().isEmpty()) {
            models.onPromoted(p);
        }
    }

    /** Each embedding of digits.embeddings. */
    public synchronized void onEmbedding(Embedding e) {
        jobs.onEmbedding(e);
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(
                datasets.view(), runs.view(), models.versions(), models.aliases(), jobs.view());
    }
}
