package mmdigits.viz.config;

import java.nio.file.Path;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the viz service ({@code viz.*} in application.properties). */
@ConfigMapping(prefix = "viz")
public interface VizConfig {
    /** Reports are written below this directory, one folder per model version. */
    @WithDefault("out/reports")
    Path outputDir();

    /** Build a report by itself once every announced test sample has an embedding of a model version. */
    @WithDefault("true")
    boolean autoReport();

    /** Misclassified samples shown in the report's grid. */
    @WithDefault("36")
    int misclassifiedShown();

    Tsne tsne();

    Kmeans kmeans();

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
