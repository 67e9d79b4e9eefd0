package mmdigits.ingest.service;

import io.quarkus.logging.Log;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import mmdigits.common.sample.SampleIds;
import mmdigits.ingest.IngestResult;
import mmdigits.ingest.config.IngestConfig;

/** Publishes {@code ingest.data-dir} once the service is up, when it is configured. */
@ApplicationScoped
public class StartupJob {
    private final DatasetIngestor ingestor;
    private final IngestConfig config;

    public StartupJob(DatasetIngestor ingestor, IngestConfig config) {
        this.ingestor = ingestor;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        if (config.dataDir().isEmpty()) {
            return;
        }
        Path dir = config.dataDir().get().toAbsolutePath().normalize();
        String dataset =
                config.dataset()
                        .orElse(SampleIds.datasetFromName(String.valueOf(dir.getFileName())));
        Thread t = new Thread(() -> run(dir, dataset), "ingest-startup-job");
        t.setDaemon(true);
        t.start();
    }

    private void run(Path dir, String dataset) {
        int code = 0;
        try {
            Log.infof("start-up job: publishing %s as dataset '%s'", dir, dataset);
            IngestResult result = ingestor.ingest(dir, dataset, dir.toString());
            for (IngestResult.SplitResult s : result.splits()) {
                Log.infof(
                        "start-up job: %s/%s: %,d samples committed (%.0f samples/s, %.1f MB/s)",
                        dataset,
                        s.split(),
                        s.count(),
                        s.samplesPerSecond(),
                        s.megabytesPerSecond());
            }
        } catch (Exception e) {
            code = 1;
            Log.errorf(
                    "start-up job failed, nothing of the failing split was published: %s",
                    e.getMessage());
        }
        if (config.exitAfterStartupJob()) {
            Quarkus.asyncExit(code);
        }
    }
}
