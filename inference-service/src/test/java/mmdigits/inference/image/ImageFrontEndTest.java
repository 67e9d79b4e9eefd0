package mmdigits.inference.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import javax.imageio.ImageIO;
import mmdigits.inference.InvalidInputException;
import org.junit.jupiter.api.Test;

class ImageFrontEndTest {

    /** A photo-like picture: a dark "7" (two strokes) on light paper, off-centre, any size. */
    static byte[] seven(int w, int h, boolean darkInk, String format) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(darkInk ? new Color(235, 235, 225) : Color.BLACK);
        g.fillRect(0, 0, w, h);
        g.setColor(darkInk ? new Color(20, 20, 30) : Color.WHITE);
        g.setStroke(new BasicStroke(w / 14f));
        g.drawLine(w / 10, h / 8, w / 2, h / 8);
        g.drawLine(w / 2, h / 8, w / 4, h / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, format, out);
        return out.toByteArray();
    }

    record Stats(int x0, int x1, int y0, int y1, double cx, double cy, float max, float corner) {}

    static Stats stats(float[] v) {
        int x0 = 28, x1 = -1, y0 = 28, y1 = -1;
        double m = 0, cx = 0, cy = 0;
        float max = 0;
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                float p = v[y * 28 + x];
                max = Math.max(max, p);
                if (p > 0) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
                m += p;
                cx += p * x;
                cy += p * y;
            }
        }
        return new Stats(x0, x1, y0, y1, cx / m, cy / m, max, v[0]);
    }

    @Test
    void anyPictureBecomesAnMnistStyleDigit() throws Exception {
        for (String format : new String[] {"png", "jpg"}) {
            for (boolean darkInk : new boolean[] {true, false}) {
                float[] v =
                        ImageFrontEnd.fromBytes(seven(400, 600, darkInk, format), "image", LIMITS);
                Stats s = stats(v);
                String what = format + (darkInk ? " dark ink" : " light ink");
                // white digit on black: background 0, strokes bright
                assertThat(s.corner()).as(what).isEqualTo(0f);
                assertThat(s.max()).as(what).isGreaterThan(200f).isLessThanOrEqualTo(255f);
                // the longer side of the digit is scaled to 20 px (JPEG halos may add one pixel)
                int longer = Math.max(s.x1() - s.x0() + 1, s.y1() - s.y0() + 1);
                assertThat(longer).as(what).isBetween(20, 22);
                // centre of mass at the centre of the 28x28 field
                assertThat(s.cx()).as(what).isCloseTo(13.5, within(0.75));
                assertThat(s.cy()).as(what).isCloseTo(13.5, within(0.75));
            }
        }
    }

    static final ImageFrontEnd.Limits LIMITS = new ImageFrontEnd.Limits(1_000_000, 48_000_000);

    @Test
    void aLargePictureIsDecodedSubsampledToTheLimit() throws Exception {
        assertThat(ImageFrontEnd.subsampling(36_000_000, 4_000_000)).isEqualTo(3);
        assertThat(ImageFrontEnd.subsampling(4_000_000, 4_000_000)).isEqualTo(1);
        assertThat(ImageFrontEnd.subsampling(4_000_001, 4_000_000)).isEqualTo(2);
        byte[] png = seven(400, 600, true, "png");
        // 240,000 pixels read as every 3rd pixel of every 3rd row (26,667 <= 30,000): the same
        // digit
        Stats full = stats(ImageFrontEnd.fromBytes(png, "image", LIMITS));
        Stats sub =
                stats(
                        ImageFrontEnd.fromBytes(
                                png, "image", new ImageFrontEnd.Limits(30_000, 1_000_000)));
        assertThat(Math.max(sub.x1() - sub.x0() + 1, sub.y1() - sub.y0() + 1)).isBetween(20, 22);
        assertThat(sub.cx()).isCloseTo(full.cx(), within(0.75));
        assertThat(sub.cy()).isCloseTo(full.cy(), within(0.75));
    }

    @Test
    void aTransparentBackgroundCountsAsPaper() throws Exception {
        BufferedImage img = new BufferedImage(100, 100, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(8));
        g.drawLine(50, 10, 50, 90);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        Stats s = stats(ImageFrontEnd.fromBytes(out.toByteArray(), "image", LIMITS));
        assertThat(s.y1() - s.y0() + 1).isEqualTo(20);
        assertThat(s.x1() - s.x0() + 1).isBetween(2, 4); // a "1" keeps its aspect
        assertThat(s.cx()).isCloseTo(13.5, within(0.75));
    }

    @Test
    void badPicturesAreRejectedNamingTheField() throws Exception {
        assertThatThrownBy(
                        () ->
                                ImageFrontEnd.fromBytes(
                                        "GIF89a nonsense".getBytes(), "image", LIMITS))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("image: not a readable image");
        assertThatThrownBy(() -> ImageFrontEnd.fromBytes(new byte[0], "image", LIMITS))
                .hasMessage("image: the file is empty");
        byte[] big = seven(400, 600, true, "png");
        assertThatThrownBy(
                        () ->
                                ImageFrontEnd.fromBytes(
                                        big, "image", new ImageFrontEnd.Limits(10_000, 100_000)))
                .hasMessage(
                        "image: 400x600 pixels is larger than the limit of 100000 pixels (inference.http.max-image-source-pixels)");
        BufferedImage blank = new BufferedImage(50, 50, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(blank, "png", out);
        assertThatThrownBy(() -> ImageFrontEnd.fromBytes(out.toByteArray(), "image", LIMITS))
                .hasMessage("image: no digit found (the image is blank)");
        // a truncated PNG
        assertThatThrownBy(() -> ImageFrontEnd.fromBytes(Arrays.copyOf(big, 100), "image", LIMITS))
                .hasMessageStartingWith("image: not a readable image");
    }
}
