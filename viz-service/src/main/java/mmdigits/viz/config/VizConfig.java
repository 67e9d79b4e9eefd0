package mmdigits.viz.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Settings of the viz service ({@code viz.*} in application.properties). */
@ConfigMapping(prefix = "viz")
public interface VizConfig {
    /**
     * Reports are written below this directory, one folder per dataset and model version, with
     * index.json.
     */
    @WithDefault("out/reports")
    Path outputDir();

    /**
     * Build a report by itself once every sample of a dataset's latest test split has an embedding
     * of a version trained on that dataset (or of any version, for a dataset without a train
     * split).
     */
    @WithDefault("true")
    boolean autoReport();

    /**
     * Reports being collected at once, at most (their embeddings are in memory); the oldest is
     * dropped beyond.
     */
    @WithDefault("4")
    int maxPendingPairs();

    /**
     * The alias whose promoted version a report request defaults to when no model was trained on
     * its dataset.
     */
    @WithDefault("digits")
    String alias();

    /** Misclassified samples shown in the report's grid. */
    @WithDefault("36")
    int misclassifiedShown();

    Tsne tsne();

    Kmeans kmeans();

    Metrics metrics();

    Console console();

    Drift drift();

    /** Drift of the live stream from each served version's training split (docs/drift.md). */
    interface Drift {
        /** The latest embeddings per version, and the latest test samples, compared. */
        @WithDefault("500")
        int window();

        /** Fewer samples in a window than this: no value (NaN), so no alert on a trickle. */
        @WithDefault("100")
        int minSamples();

        /**
         * MMD² (of the whole embedding or a branch's part) above this is drift (demo data, window
         * 500: its test split at most 0.0010, speech at -5-0 dB SNR (training: 5-20) 0.0141, an
         * unseen TTS engine 0.0171 in the audio part; docs/drift.md).
         */
        @WithDefault("0.01")
        double mmdThreshold();

        /**
         * Input shift (mean standardized 2-Wasserstein per feature) above this is drift (demo data:
         * its test split image 0.059, audio 0.042; noisier speech 0.140, an unseen TTS engine
         * 0.162).
         */
        @WithDefault("0.1")
        double inputShiftThreshold();
    }

    /**
     * The pipeline console ({@code /console}): the page reads its state from the topics this
     * service follows; its actions go to the services named here, with the user's token.
     */
    interface Console {
        /**
         * The trainer's base URL: train, promote and rollback go there, and the registry's versions
         * are read from its {@code /models}. Unset: those actions are off and the versions come
         * from the releases on digits.events.
         */
        Optional<URI> trainerUrl();

        /** The inference service's base URL: score goes there. Unset: scoring is off. */
        Optional<URI> inferenceUrl();

        /** How often the page asks for the state. */
        @WithDefault("2s")
        Duration refresh();

        /** How long a forwarded action may take (a read of the registry: at most refresh). */
        @WithDefault("10s")
        Duration timeout();
    }

    /**
     * Silhouette and trustworthiness cost N² distances: past sampleSize points, a seeded sample of
     * query points (against all).
     */
    interface Metrics {
        @WithDefault("2000")
        int sampleSize();

        @WithDefault("42")
        long seed();
    }

    interface Tsne {
        @WithDefault("30")
        double perplexity();

        @WithDefault("12")
        double earlyExaggeration();

        @WithDefault("250")
        int exaggerationIterations();

        /** All iterations, early exaggeration included (250 + 750). */
        @WithDefault("1000")
        int iterations();

        /** 0 = max(200, N/12). */
        @WithDefault("0")
        double learningRate();

        /** Barnes-Hut angle. */
        @WithDefault("0.5")
        double theta();

        @WithDefault("42")
        long seed();

        /** Exact gradients below this many points, Barnes-Hut from there. */
        @WithDefault("1000")
        int exactBelow();

        /**
         * FFT-accelerated interpolation (FIt-SNE) for the repulsion from this many points on; its
         * grid costs about the same for any N, so well below this Barnes-Hut is faster (10,000
         * embeddings on 2 cores, 1,000 iterations, with approximate neighbours: 20 s Barnes-Hut, 13
         * s FFT, trustworthiness 0.9943 and 0.9941; bench/tsne.sh).
         */
        @WithDefault("10000")
        int fftFrom();

        /**
         * Nearest neighbours of the input affinities: exact (vantage-point tree) below this many
         * points, approximate from there (10,000 embeddings: 5.9 s exact, 1.5-2 s approximate, the
         * map's trustworthiness 0.9942 and 0.9941).
         */
        @WithDefault("10000")
        int approximateNeighboursFrom();
    }

    interface Kmeans {
        @WithDefault("10")
        int k();

        /** k-means++ runs; the one with the smallest within-cluster variance is kept. */
        @WithDefault("5")
        int restarts();

        @WithDefault("300")
        int maxIterations();

        @WithDefault("42")
        long seed();
    }
}
