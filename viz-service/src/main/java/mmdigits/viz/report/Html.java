package mmdigits.viz.report;

import java.util.Locale;
import java.util.Map;

/** The report's index.html: numbers, pictures and the interactive t-SNE view, no external resources. */
final class Html {
    private Html() {
    }

    static String esc(Object o) {
        return String.valueOf(o).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static String num(Object o) {
        return o instanceof Number n ? String.format(Locale.ROOT, "%.4f", n.doubleValue()) : "–";
    }

    @SuppressWarnings("unchecked")
    static String page(Map<String, Object> r, boolean labelled, boolean training, boolean misses) {
        Map<String, Object> m = (Map<String, Object>) r.get("metrics");
        Map<String, Object> sec = (Map<String, Object>) r.get("seconds");
        StringBuilder h = new StringBuilder();
        h.append("""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
                <link rel="icon" href="data:,">
                <title>multimodal-digits report %s</title>
                <style>
                body{font-family:system-ui,sans-serif;max-width:1200px;margin:0 auto;padding:1rem;color:#222}
                table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:right}
                th{background:#f4f4f4}.grid{display:flex;flex-wrap:wrap;gap:1rem}.grid figure{margin:0}
                img{max-width:100%%;border:1px solid #eee}#view{border:1px solid #ccc;cursor:crosshair}
                #tip{position:absolute;background:#222;color:#fff;padding:.2rem .4rem;border-radius:3px;font-size:.8rem;pointer-events:none}
                .muted{color:#666;font-size:.9rem}
                </style></head><body>
                """.formatted(esc(r.get("model_version"))));
        h.append("<h1>Model ").append(esc(r.get("model_version"))).append("</h1>\n");
        h.append("<p class=\"muted\">").append(esc(r.get("samples"))).append(" test samples of dataset '").append(esc(r.get("dataset")))
                .append("', embedding width ").append(esc(r.get("embedding_dim"))).append(labelled ? ", true labels known" : ", no true labels: clusters are compared with the predictions")
                .append(" · <a href=\"predictions.csv\">predictions.csv</a> · <a href=\"report.json\">report.json</a></p>\n");
        h.append("<h2>Summary</h2><table id=\"metrics\">\n");
        if (labelled) {
            h.append(row("accuracy", num(m.get("accuracy"))));
        }
        h.append(row("adjusted Rand index (clusters vs " + esc(m.get("clusters_vs")) + ")", num(m.get("adjusted_rand_index"))));
        h.append(row("normalised mutual information", num(m.get("normalized_mutual_information"))));
        h.append(row("purity", num(m.get("purity"))));
        h.append(row("silhouette (K-means clusters, embedding space)", num(m.get("silhouette"))));
        h.append(row("t-SNE trustworthiness (k = 10)", num(m.get("tsne_trustworthiness_k10"))));
        h.append(row("t-SNE KL divergence", num(m.get("tsne_kl_divergence"))));
        h.append(row("seconds: t-SNE / K-means / metrics", String.format(Locale.ROOT, "%.1f / %.1f / %.1f", sec.get("tsne"), sec.get("kmeans"),
                sec.get("metrics"))));
        h.append("</table>\n");
        h.append("""
                <h2>t-SNE</h2>
                <p class="muted">Hover a point: row id, true label, prediction, cluster. Colour by
                <select id="colour"><option value="label">label</option><option value="cluster">cluster</option></select></p>
                <canvas id="view" width="760" height="640"></canvas><div id="tip" hidden></div>
                <div class="grid">
                <figure><img src="tsne-labels.png" alt="t-SNE coloured by label"><figcaption>by label</figcaption></figure>
                <figure><img src="tsne-clusters.png" alt="t-SNE coloured by cluster"><figcaption>by K-means cluster</figcaption></figure>
                </div>
                """);
        h.append("<h2>Clusters and labels</h2><div class=\"grid\"><figure><img src=\"clusters.png\" alt=\"clusters by label\"></figure></div>\n");
        h.append(table((long[][]) r.get("cluster_by_label"), "cluster", "c"));
        if (labelled) {
            h.append("<h2>Confusion matrix and accuracy per digit</h2><div class=\"grid\">")
                    .append("<figure><img src=\"confusion.png\" alt=\"confusion matrix\"></figure>")
                    .append("<figure><img src=\"per-class.png\" alt=\"accuracy per digit\"></figure></div>\n");
        }
        if (misses) {
            h.append("<h2>Misclassified samples</h2><p class=\"muted\">The digit image and its MFCC (time across, coefficients up).</p>")
                    .append("<img src=\"misclassified.png\" alt=\"misclassified samples\">\n");
        }
        if (training) {
            h.append("<h2>Training</h2><img src=\"training.png\" alt=\"training curves\">\n");
        }
        h.append("<script src=\"points.js\"></script><script src=\"tsne-view.js\"></script>\n</body></html>\n");
        return h.toString();
    }

    private static String row(String name, String value) {
        return "<tr><th style=\"text-align:left\">" + name + "</th><td>" + value + "</td></tr>\n";
    }

    private static String table(long[][] counts, String rowName, String prefix) {
        StringBuilder t = new StringBuilder("<table><tr><th>").append(rowName).append("</th>");
        for (int j = 0; j < counts[0].length; j++) {
            t.append("<th>").append(j).append("</th>");
        }
        t.append("</tr>\n");
        for (int i = 0; i < counts.length; i++) {
            t.append("<tr><th>").append(prefix).append(i).append("</th>");
            for (long c : counts[i]) {
                t.append("<td>").append(c).append("</td>");
            }
            t.append("</tr>\n");
        }
        return t.append("</table>\n").toString();
    }
}
