package mmdigits.ingest.service;

import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Split;
import mmdigits.common.sample.SampleIds;
import mmdigits.common.seed.SeedFileException;
import mmdigits.common.seed.SeedFiles;
import mmdigits.common.seed.SeedSplit;
import mmdigits.ingest.IngestResult;
import mmdigits.ingest.config.IngestConfig;
import mmdigits.ingest.messaging.ProgressLog;
import mmdigits.ingest.messaging.PublishProgress;
import mmdigits.ingest.messaging.SamplePublisher;

/**
 * Publishes a seed directory: validates every file of every split present first, then publishes
 * each split in its own transaction, train before test, each with its {@code DatasetPublished}
 * event.
 */
@ApplicationScoped
public class DatasetIngestor {
    private final SamplePublisher publisher;
    private final IngestConfig config;
    private final PublishProgress progress;

    public DatasetIngestor(
            SamplePublisher publisher, IngestConfig config, PublishProgress progress) {
        this.publisher = publisher;
        this.config = config;
        this.progress = progress;
    }

    /**
     * @param source where the files came from, for the event ("upload", or the directory)
     * @throws SeedFileException a file is missing or invalid: nothing was published
     */
    public IngestResult ingest(Path dir, String dataset, String source) throws Exception {
        if (!SampleIds.isValidDataset(dataset)) {
            throw new IllegalArgumentException(
                    "dataset must be 1-100 characters of letters, digits, '.', '_' or '-', got '"
                            + dataset
                            + "'");
        }
        if (!Files.isDirectory(dir)) {
            throw new SeedFileException(
                    dir.getFileName() == null ? dir.toString() : dir.getFileName().toString(),
                    "is not a directory (" + dir + ")");
        }
        List<Split> splits = new ArrayList<>();
        for (Split split : List.of(Split.TRAIN, Split.TEST)) {
            if (SeedFiles.hasAny(dir, split)) {
                splits.add(split);
            }
        }
        if (splits.isEmpty()) {
            throw new SeedFileException(
                    SeedFiles.TRAIN_IMAGES,
                    "not found in "
                            + dir
                            + ": a dataset directory holds "
                            + String.join(
                                    ", ",
                                    SeedFiles.TRAIN_IMAGES,
                                    SeedFiles.TRAIN_AUDIO,
                                    SeedFiles.TRAIN_LABELS,
                                    SeedFiles.TEST_IMAGES,
                                    SeedFiles.TEST_AUDIO)
                            + " (and optionally "
                            + SeedFiles.TEST_LABELS
                            + ")");
        }
        List<SeedSplit> opened = new ArrayList<>();
        try {
            for (Split split : splits) {
                String name = dataset + "/" + SampleIds.splitName(split);
                long started = System.nanoTime();
                opened.add(SeedSplit.open(dir, split, null));
                Log.infof(
                        "validated %s: %,d rows in %.1f s",
                        name,
                        opened.get(opened.size() - 1).rows(),
                        (System.nanoTime() - started) / 1e9);
            }
            List<IngestResult.SplitResult> results = new ArrayList<>();
            for (SeedSplit split : opened) {
                results.add(publish(split, dataset, source));
            }
            return new IngestResult(dataset, results);
        } finally {
            opened.forEach(SeedSplit::close);
        }
    }

    private IngestResult.SplitResult publish(SeedSplit split, String dataset, String source)
            throws Exception {
        String name = dataset + "/" + SampleIds.splitName(split.split());
        ProgressLog log =
                new ProgressLog("publishing " + name, split.rows(), config.progressInterval());
        long first = split.rowId(0);
        long last = split.rowId(split.rows() - 1);
        DatasetPublished.Builder event =
                DatasetPublished.newBuilder()
                        .setDataset(dataset)
                        .setSplit(split.split())
                        .setLabeled(split.labeled())
                        .setFirstRowId(first)
                        .setLastRowId(last)
                        .setSource(source);
        progress.started(log);
        SamplePublisher.Published published;
        try {
            published =
                    publisher.publish(
                            sink -> {
                                for (long i = 0; i < split.rows(); i++) {
                                    sink.send(split.sample(dataset, i));
                                }
                            },
                            event,
                            log);
        } finally {
            progress.ended(log);
        }
        log.finish();
        double seconds = log.seconds();
        long count = published.count();
        Log.infof(
                "committed %s: %,d samples (row ids %d-%d, %s), publication %s",
                name,
                count,
                first,
                last,
                split.labeled() ? "labeled" : "unlabeled",
                published.event().getPublicationId());
        return new IngestResult.SplitResult(
                SampleIds.splitName(split.split()),
                published.event().getPublicationId(),
                count,
                split.labeled(),
                first,
                last,
                seconds,
                count / seconds,
                log.bytes() / seconds / 1e6);
    }
}
