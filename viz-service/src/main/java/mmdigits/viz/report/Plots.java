package mmdigits.viz.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.TrainingProgress;
import mmdigits.common.sample.Dimensions;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's pictures: XChart for the charts (PNG and SVG), Java2D for the grid of samples. */
final class Plots {
    /** Ten distinguishable colours (Tableau 10), also used by the interactive view. */
    static final Color[] PALETTE = {
        new Color(0x4e79a7),
        new Color(0xf28e2b),
        new Color(0xe15759),
        new Color(0x76b7b2),
        new Color(0x59a14f),
        new Color(0xedc948),
        new Color(0xb07aa1),
        new Color(0xff9da7),
        new Color(0x9c755f),
        new Color(0xbab0ac)
    };

    private Plots() {}

    static void save(Chart<?, ?> chart, Path dir, String name, boolean svg) throws IOException {
        BitmapEncoder.saveBitmap(
                chart, dir.resolve(name + ".png").toString(), BitmapEncoder.BitmapFormat.PNG);
        if (svg) {
            VectorGraphicsEncoder.saveVectorGraphic(
                    chart,
                    dir.resolve(name + ".svg").toString(),
                    VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        }
    }

    /** t-SNE map with one series per group (label or cluster). */
    static XYChart scatter(String title, double[][] y, int[] group, String prefix) {
        XYChart chart = new XYChartBuilder().width(820).height(720).title(title).build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridLinesVisible(false);
        int groups = 0;
        for (int g : group) {
            groups = Math.max(groups, g + 1);
        }
        for (int g = 0; g < groups; g++) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int i = 0; i < y.length; i++) {
                if (group[i] == g) {
                    xs.add(y[i][0]);
                    ys.add(y[i][1]);
                }
            }
            if (!xs.isEmpty()) {
                XYSeries s = chart.addSeries(prefix + g, xs, ys);
                s.setMarker(SeriesMarkers.CIRCLE);
                s.setMarkerColor(PALETTE[g % PALETTE.length]);
            }
        }
        return chart;
    }

    static HeatMapChart heatMap(
            String title,
            long[][] counts,
            String xTitle,
            String yTitle,
            String xPrefix,
            String yPrefix) {
        HeatMapChart chart =
                new HeatMapChartBuilder()
                        .width(720)
                        .height(640)
                        .title(title)
                        .xAxisTitle(xTitle)
                        .yAxisTitle(yTitle)
                        .build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler()
                .setRangeColors(
                        new Color[] {
                            new Color(0xf7fbff), new Color(0x6baed6), new Color(0x08306b)
                        });
        List<String> xs = new ArrayList<>();
        List<String> ys = new ArrayList<>();
        for (int j = 0; j < counts[0].length; j++) {
            xs.add(xPrefix + j);
        }
        for (int i = 0; i < counts.length; i++) {
            ys.add(yPrefix + i);
        }
        List<Number[]> heat = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            for (int j = 0; j < counts[i].length; j++) {
                heat.add(new Number[] {j, i, counts[i][j]});
            }
        }
        chart.addSeries(title, xs, ys, heat);
        return chart;
    }

    static CategoryChart perClass(double[] accuracy) {
        CategoryChart chart =
                new CategoryChartBuilder()
                        .width(720)
                        .height(400)
                        .title("Accuracy per digit")
                        .xAxisTitle("digit")
                        .yAxisTitle("accuracy")
                        .build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler()
                .setYAxisMin(
                        Math.max(
                                0,
                                Arrays.stream(accuracy).filter(Double::isFinite).min().orElse(0)
                                        - 0.05));
        List<String> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (int k = 0; k < accuracy.length; k++) {
            x.add(Integer.toString(k));
            y.add(Double.isFinite(accuracy[k]) ? accuracy[k] : 0.0);
        }
        chart.addSeries("accuracy", x, y);
        return chart;
    }

    static XYChart training(List<TrainingProgress> epochs) {
        XYChart chart =
                new XYChartBuilder()
                        .width(720)
                        .height(400)
                        .title("Training")
                        .xAxisTitle("epoch")
                        .yAxisTitle("value")
                        .build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        double[] e = epochs.stream().mapToDouble(TrainingProgress::getEpoch).toArray();
        chart.addSeries(
                "loss", e, epochs.stream().mapToDouble(TrainingProgress::getLoss).toArray());
        chart.addSeries(
                "train accuracy",
                e,
                epochs.stream().mapToDouble(TrainingProgress::getTrainAccuracy).toArray());
        chart.addSeries(
                "validation accuracy",
                e,
                epochs.stream().mapToDouble(TrainingProgress::getValidationAccuracy).toArray());
        return chart;
    }

    /** One misclassified sample: its picture(s) and caption. */
    record Miss(long rowId, int truth, int predicted, Sample sample) {}

    /** A grid of misclassified samples: the digit image and its MFCC as a small heat map. */
    static void grid(List<Miss> misses, Path file) throws IOException {
        int cols = 6;
        int rows = Math.max(1, (misses.size() + cols - 1) / cols);
        int cellW = 180;
        int cellH = 132;
        BufferedImage img =
                new BufferedImage(cols * cellW, rows * cellH, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(
                RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int n = 0; n < misses.size(); n++) {
            drawMiss(g, misses.get(n), (n % cols) * cellW + 6, (n / cols) * cellH + 6);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    /** One cell of the grid, its top left corner at (x0, y0): image, MFCC and caption. */
    private static void drawMiss(Graphics2D g, Miss m, int x0, int y0) {
        Sample s = m.sample();
        if (s != null && s.getImageCount() == Dimensions.IMAGE) {
            drawImage(g, s, x0, y0);
        }
        if (s != null && s.getAudioCount() == Dimensions.AUDIO) {
            drawMfcc(g, s, x0 + 90, y0);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawString("row " + m.rowId(), x0, y0 + 100);
        g.setColor(new Color(0xb00020));
        g.drawString(
                "true " + (m.truth() < 0 ? "?" : m.truth()) + " \u2192 predicted " + m.predicted(),
                x0,
                y0 + 116);
    }

    /** The 28×28 image in grey, 3 pixels a pixel, scaled to its own maximum. */
    private static void drawImage(Graphics2D g, Sample s, int x0, int y0) {
        float max = 1e-6f;
        for (float v : s.getImageList()) {
            max = Math.max(max, v);
        }
        for (int y = 0; y < Dimensions.IMAGE_HEIGHT; y++) {
            for (int x = 0; x < Dimensions.IMAGE_WIDTH; x++) {
                float v = s.getImage(y * Dimensions.IMAGE_WIDTH + x);
                int grey = Math.max(0, Math.min(255, Math.round(255 * v / max)));
                g.setColor(new Color(grey, grey, grey));
                g.fillRect(x0 + x * 3, y0 + y * 3, 3, 3);
            }
        }
    }

    /** The MFCC: 39 frames across, 13 coefficients up, each coefficient scaled to its own range. */
    private static void drawMfcc(Graphics2D g, Sample s, int x0, int y0) {
        for (int c = 0; c < Dimensions.AUDIO_COEFFICIENTS; c++) {
            float lo = Float.MAX_VALUE;
            float hi = -Float.MAX_VALUE;
            for (int f = 0; f < Dimensions.AUDIO_FRAMES; f++) {
                float v = s.getAudio(f * Dimensions.AUDIO_COEFFICIENTS + c);
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            for (int f = 0; f < Dimensions.AUDIO_FRAMES; f++) {
                float v =
                        (s.getAudio(f * Dimensions.AUDIO_COEFFICIENTS + c) - lo)
                                / Math.max(1e-6f, hi - lo);
                g.setColor(viridisLike(v));
                g.fillRect(x0 + f * 2, y0 + (Dimensions.AUDIO_COEFFICIENTS - 1 - c) * 6, 2, 6);
            }
        }
    }

    /** Dark purple (low) to yellow (high), like the ends of viridis. */
    private static Color viridisLike(float t) {
        t = Math.max(0, Math.min(1, t));
        return new Color(
                Math.round(68 + t * (253 - 68)),
                Math.round(1 + t * (231 - 1)),
                Math.round(84 + t * (37 - 84)));
    }
}
