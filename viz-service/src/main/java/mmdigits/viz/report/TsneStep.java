package mmdigits.viz.report;

import io.quarkus.logging.Log;
import java.util.function.Consumer;
import mmdigits.viz.config.VizConfig;
import mmdigits.viz.tsne.Tsne;
import mmdigits.viz.tsne.TsneConfig;

/** The build's t-SNE map of the embeddings, with its progress, and the settings it ran with. */
final class TsneStep {
    private final VizConfig.Tsne config;

    TsneStep(VizConfig.Tsne config) {
        this.config = config;
    }

    /** The 2-D map; {@code stage} hears each iteration the run reports. */
    Timed<Tsne.Result> embed(EmbeddingTable t, Consumer<String> stage) {
        return Timed.of(() -> Tsne.run(t.x(), tsneConfig(), progress(t.pair().version(), stage)));
    }

    /** Each reported iteration: a log line and the build's stage. */
    private static Consumer<Tsne.Progress> progress(String version, Consumer<String> stage) {
        return p -> {
            Log.infof(
                    "report %s: t-SNE iteration %d/%d, KL divergence %.4f",
                    version, p.iteration(), p.iterations(), p.kl());
            stage.accept("t-SNE iteration " + p.iteration() + "/" + p.iterations());
        };
    }

    private TsneConfig tsneConfig() {
        return new TsneConfig(
                config.perplexity(),
                config.earlyExaggeration(),
                config.exaggerationIterations(),
                config.iterations(),
                config.learningRate(),
                config.theta(),
                config.seed(),
                config.exactBelow(),
                config.fftFrom(),
                config.approximateNeighboursFrom());
    }

    /** The settings as run: an automatic learning rate resolved (max(200, n / 12)). */
    Report.TsneSettings settings(int n, Tsne.Result map) {
        return new Report.TsneSettings(
                config.perplexity(),
                config.earlyExaggeration(),
                config.exaggerationIterations(),
                config.iterations(),
                config.learningRate() > 0 ? config.learningRate() : Math.max(200, n / 12.0),
                config.theta(),
                config.seed(),
                map.gradient().label()
                        + (map.approximateNeighbours() ? ", approximate neighbours" : ""));
    }
}
