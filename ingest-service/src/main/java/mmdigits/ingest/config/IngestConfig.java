package mmdigits.ingest.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Settings of the ingest service ({@code ingest.*} in application.properties). */
@ConfigMapping(prefix = "ingest")
public interface IngestConfig {
    /** A seed directory to publish on start-up. */
    Optional<Path> dataDir();

    /** Dataset name for {@link #dataDir()}; default: the directory's name. */
    Optional<String> dataset();

    /** Exit the process when the start-up job ends (0 on success, 1 on failure). */
    @WithDefault("false")
    boolean exitAfterStartupJob();

    /** Directories named in {@code POST /datasets} must lie below this root. */
    @WithDefault("data")
    Path datasetRoot();

    /** How often a long publish logs its progress. */
    @WithDefault("2s")
    Duration progressInterval();

    /** Most samples one {@code POST /samples} may carry. */
    @WithDefault("10000")
    int maxSamplesPerRequest();

    /**
     * {@code POST /samples} requests parsed and published at once (each holds up to a batch in
     * memory); the others wait up to {@link #batchWait()}, then get 503 with {@code Retry-After}.
     */
    @WithDefault("1")
    int concurrentBatches();

    @WithDefault("30s")
    Duration batchWait();

    Producer producer();

    interface Producer {
        /** Kafka compression of sample records: none, gzip, snappy, lz4, zstd. */
        @WithDefault("lz4")
        String compression();

        /** A split of 60,000 rows is one transaction: it must fit in this time. */
        @WithDefault("5m")
        Duration transactionTimeout();

        /**
         * Prefix of the producer's transactional id; the instance id ({@code mmdigits.instance-id},
         * default {@code <host>-<http port>}) follows it, the same after a restart, so that a
         * restarted instance fences the crashed one and its open transaction is aborted at once.
         */
        @WithDefault("mmdigits-ingest")
        String transactionalIdPrefix();

        /**
         * How long a publish waits for an unreachable broker before it fails with a clear error
         * (503): blocked sends, undelivered records and the abort each give up after this.
         */
        @WithDefault("10s")
        Duration brokerTimeout();
    }
}
