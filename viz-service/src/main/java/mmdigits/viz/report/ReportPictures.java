package mmdigits.viz.report;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The pictures of a report folder: the t-SNE maps, clusters against labels, and where they apply
 * the confusion matrix, per-digit accuracy, the training curve and the misclassified grid.
 */
final class ReportPictures {
    /**
     * Up to this many points the maps are also SVG: a vector file of more is larger than useful.
     */
    static final int SVG_UP_TO = 20_000;

    private ReportPictures() {}

    static void draw(Analysis a, Path dir) throws IOException {
        drawMaps(a, dir);
        drawClusters(a, dir);
        if (a.table().labelled()) {
            drawLabelled(a.measures(), dir);
        }
        if (!a.training().isEmpty()) {
            Plots.save(Plots.training(a.training()), dir, "training", false);
        }
        if (!a.misses().isEmpty()) {
            Plots.grid(a.misses(), dir.resolve("misclassified.png"));
        }
    }

    /** The t-SNE map coloured by label and by cluster. */
    private static void drawMaps(Analysis a, Path dir) throws IOException {
        EmbeddingTable t = a.table();
        boolean svg = t.n() <= SVG_UP_TO;
        double[][] map = a.map().embedding();
        Plots.save(
                Plots.scatter(
                        "t-SNE, coloured by " + t.referenceName() + " label",
                        map,
                        t.reference(),
                        "digit "),
                dir,
                "tsne-labels",
                svg);
        Plots.save(
                Plots.scatter("t-SNE, coloured by K-means cluster", map, a.clusters(), "cluster "),
                dir,
                "tsne-clusters",
                svg);
    }

    private static void drawClusters(Analysis a, Path dir) throws IOException {
        Plots.save(
                Plots.heatMap(
                        "Clusters vs " + a.table().referenceName() + " labels",
                        a.clusterByLabel(),
                        "label",
                        "cluster",
                        "",
                        "c"),
                dir,
                "clusters",
                false);
    }

    /** The confusion matrix and the accuracy per digit (only with true labels). */
    private static void drawLabelled(Report.Measures m, Path dir) throws IOException {
        Plots.save(
                Plots.heatMap("Confusion matrix", m.confusion(), "predicted", "true", "", ""),
                dir,
                "confusion",
                false);
        Plots.save(
                Plots.perClass(
                        m.perClassAccuracy().stream()
                                .mapToDouble(v -> v == null ? Double.NaN : v)
                                .toArray()),
                dir,
                "per-class",
                false);
    }
}
