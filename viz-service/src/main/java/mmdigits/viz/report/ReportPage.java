package mmdigits.viz.report;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import mmdigits.viz.drift.ReportDrift;

/**
 * The report's index.html: the Qute template {@code templates/ReportPage/page.html} over a {@link
 * Report}, with the numbers formatted here (numbers, pictures and the interactive t-SNE view; no
 * external resources, so the page opens from disk too).
 */
public record ReportPage(
        Report report,
        String description,
        List<Row> summary,
        List<Integer> columns,
        List<ClusterRow> clusters,
        boolean training,
        boolean misses,
        List<ShadowSection> shadows) {

    /** A line of the summary table. */
    public record Row(String name, String value) {}

    /** A K-means cluster and its sample count per label. */
    public record ClusterRow(String name, List<Long> counts) {}

    /**
     * A shadow against the served version: its numbers and the disagreements, a row per served
     * label that has any (counts by the shadow's label).
     */
    public record ShadowSection(
            String version,
            String title,
            String description,
            List<Row> summary,
            List<ClusterRow> disagreements) {}

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance page(ReportPage page);
    }

    public static ReportPage of(Report r, boolean training, boolean misses) {
        return new ReportPage(
                r,
                description(r),
                summary(r),
                labelColumns(),
                clusters(r.clusterByLabel()),
                training,
                misses,
                r.shadows().stream().map(ReportPage::shadow).toList());
    }

    private static ShadowSection shadow(Report.Shadow s) {
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("samples compared", Integer.toString(s.samples())));
        rows.add(
                new Row(
                        "agreement (same predicted digit)",
                        String.format(
                                Locale.ROOT,
                                "%s (%d of %d)",
                                num(s.agreement()),
                                s.agreed(),
                                s.samples())));
        if (s.labelled() > 0) {
            rows.add(new Row("labelled samples", Integer.toString(s.labelled())));
            rows.add(
                    new Row(
                            "accuracy of " + s.servedVersion() + " (served)",
                            num(s.servedAccuracy())));
            rows.add(new Row("accuracy of " + s.version() + " (shadow)", num(s.shadowAccuracy())));
        }
        List<ClusterRow> disagreements = new ArrayList<>();
        for (int k = 0; k < s.disagreements().length; k++) {
            List<Long> counts = new ArrayList<>();
            long any = 0;
            for (long c : s.disagreements()[k]) {
                counts.add(c);
                any += c;
            }
            if (any > 0) {
                disagreements.add(new ClusterRow(s.servedVersion() + " said " + k, counts));
            }
        }
        return new ShadowSection(
                s.version(),
                "Shadow " + s.version() + " vs " + s.servedVersion(),
                "The shadow scored the same test samples as the served version without answering"
                        + " anyone; the table counts the samples where they disagree, by the"
                        + " served version's digit (rows) and the shadow's (columns).",
                rows,
                disagreements);
    }

    public String render() {
        return Templates.page(this).render();
    }

    private static String description(Report r) {
        return r.samples()
                + " test samples of dataset '"
                + r.dataset()
                + "', embedding width "
                + r.embeddingDim()
                + (r.labelled()
                        ? ", true labels known"
                        : ", no true labels: clusters are compared with the predictions");
    }

    private static List<Row> summary(Report r) {
        Report.Measures m = r.metrics();
        List<Row> rows = new ArrayList<>();
        if (r.labelled()) {
            rows.add(new Row("accuracy", num(m.accuracy())));
        }
        rows.add(
                new Row(
                        "adjusted Rand index (clusters vs " + m.clustersVs() + ")",
                        num(m.adjustedRandIndex())));
        rows.add(new Row("normalised mutual information", num(m.normalizedMutualInformation())));
        rows.add(new Row("purity", num(m.purity())));
        String sampled =
                m.metricsSample() == null
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                "; a seeded sample of %,d query points",
                                m.metricsSample());
        rows.add(
                new Row(
                        "silhouette (K-means clusters, embedding space" + sampled + ")",
                        num(m.silhouette())));
        rows.add(
                new Row(
                        "t-SNE trustworthiness (k = 10" + sampled + ")",
                        num(m.tsneTrustworthinessK10())));
        rows.add(new Row("t-SNE KL divergence", num(m.tsneKlDivergence())));
        rows.addAll(driftRows(r.drift()));
        rows.add(
                new Row(
                        "seconds: t-SNE / K-means / metrics",
                        String.format(
                                Locale.ROOT,
                                "%.1f / %.1f / %.1f",
                                r.seconds().tsne(),
                                r.seconds().kmeans(),
                                r.seconds().metrics())));
        return rows;
    }

    /** The drift section's lines (docs/drift.md), none when the release had no reference. */
    private static List<Row> driftRows(ReportDrift d) {
        if (d == null) {
            return List.of();
        }
        return List.of(
                new Row(
                        String.format(
                                Locale.ROOT,
                                "drift: MMD² of this split's embeddings vs the training reference,"
                                        + " whole / image / audio (%d vs %d samples; alert above %s)",
                                d.splitSample(),
                                d.referenceSample(),
                                num(d.mmdThreshold())),
                        num(d.splitMmd())
                                + " / "
                                + num(d.splitMmdImage())
                                + " / "
                                + num(d.splitMmdAudio())
                                + (d.splitDrifted() ? " — drifted" : "")),
                new Row(
                        String.format(
                                Locale.ROOT,
                                "drift of the live stream: MMD² whole / image / audio; input shift image /"
                                        + " audio (%d embeddings; alert above %s; %s)",
                                d.liveWindow(),
                                num(d.mmdThreshold()),
                                num(d.inputShiftThreshold())),
                        String.join(
                                        " / ",
                                        num(d.liveMmd()),
                                        num(d.liveMmdImage()),
                                        num(d.liveMmdAudio()))
                                + "; "
                                + num(d.liveImageShift())
                                + " / "
                                + num(d.liveAudioShift())));
    }

    static String num(Double v) {
        return v == null || v.isNaN() ? "–" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static List<Integer> labelColumns() {
        List<Integer> labels = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            labels.add(k);
        }
        return labels;
    }

    private static List<ClusterRow> clusters(long[][] counts) {
        List<ClusterRow> rows = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            List<Long> row = new ArrayList<>();
            for (long c : counts[i]) {
                row.add(c);
            }
            rows.add(new ClusterRow("c" + i, row));
        }
        return rows;
    }
}
