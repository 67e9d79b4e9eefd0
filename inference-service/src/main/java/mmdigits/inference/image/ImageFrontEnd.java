package mmdigits.inference.image;

import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import mmdigits.common.sample.Dimensions;
import mmdigits.inference.InvalidInputException;

/**
 * Turns a picture of a digit (PNG or JPEG, any size, either polarity) into a 28×28 image prepared
 * the way MNIST was: grayscale, white digit on black, the digit's bounding box scaled
 * (anti-aliased, aspect kept) to fit 20×20, then placed so that its centre of mass is at the centre
 * of the 28×28 field. Values 0–255, row-major, as in the seed files.
 */
public final class ImageFrontEnd {
    /** MNIST fits the digit into a box of this side inside the 28×28 field. */
    static final int BOX = 20;

    /**
     * Pixels at most this bright (0–255, after polarity is fixed) count as background when finding
     * the digit.
     */
    static final int INK_THRESHOLD = 24;

    private ImageFrontEnd() {}

    /**
     * How large a picture may be: decoded at most {@code maxPixels} (larger ones are subsampled
     * from the header), refused above {@code maxSourcePixels}.
     */
    public record Limits(long maxPixels, long maxSourcePixels) {}

    /**
     * @param field the request field named in errors (e.g. "image")
     * @throws InvalidInputException unreadable, too large, or without any ink
     */
    public static float[] fromBytes(byte[] bytes, String field, Limits limits) {
        BufferedImage img = read(bytes, field, limits);
        int w = img.getWidth();
        int h = img.getHeight();
        float[] gray = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = img.getRGB(x, y);
                double a = ((argb >>> 24) & 0xff) / 255.0;
                double lum =
                        0.299 * ((argb >> 16) & 0xff)
                                + 0.587 * ((argb >> 8) & 0xff)
                                + 0.114 * (argb & 0xff);
                gray[y * w + x] = (float) (a * lum + (1 - a) * 255.0); // transparency = white paper
            }
        }
        return fromGray(gray, w, h, field);
    }

    /** The MNIST preparation of a grayscale picture (0–255 values, row-major, any polarity). */
    public static float[] fromGray(float[] gray, int w, int h, String field) {
        // polarity: the border is the background; a light background means dark ink, which MNIST
        // stores inverted
        double border = 0;
        int count = 0;
        for (int x = 0; x < w; x++) {
            border += gray[x] + gray[(h - 1) * w + x];
            count += 2;
        }
        for (int y = 0; y < h; y++) {
            border += gray[y * w] + gray[y * w + w - 1];
            count += 2;
        }
        boolean invert = border / count > 127.5;
        float[] ink = new float[w * h];
        int x0 = w;
        int y0 = h;
        int x1 = -1;
        int y1 = -1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float v = invert ? 255f - gray[y * w + x] : gray[y * w + x];
                ink[y * w + x] = v;
                if (v > INK_THRESHOLD) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        if (x1 < 0) {
            throw new InvalidInputException(field, field + ": no digit found (the image is blank)");
        }
        int bw = x1 - x0 + 1;
        int bh = y1 - y0 + 1;
        double scale = (double) BOX / Math.max(bw, bh);
        int sw = Math.max(1, (int) Math.round(bw * scale));
        int sh = Math.max(1, (int) Math.round(bh * scale));
        BufferedImage crop = new BufferedImage(bw, bh, BufferedImage.TYPE_BYTE_GRAY);
        var raster = crop.getRaster();
        for (int y = 0; y < bh; y++) {
            for (int x = 0; x < bw; x++) {
                raster.setSample(
                        x,
                        y,
                        0,
                        Math.round(Math.max(0f, Math.min(255f, ink[(y0 + y) * w + x0 + x]))));
            }
        }
        Image scaled = crop.getScaledInstance(sw, sh, Image.SCALE_AREA_AVERAGING);
        BufferedImage small = new BufferedImage(sw, sh, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = small.createGraphics();
        g.drawImage(scaled, 0, 0, null);
        g.dispose();
        // centre of mass of the scaled digit
        double mass = 0;
        double cx = 0;
        double cy = 0;
        var sr = small.getRaster();
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                double v = sr.getSample(x, y, 0);
                mass += v;
                cx += v * x;
                cy += v * y;
            }
        }
        cx = mass > 0 ? cx / mass : (sw - 1) / 2.0;
        cy = mass > 0 ? cy / mass : (sh - 1) / 2.0;
        int ox =
                clamp(
                        (int) Math.round((Dimensions.IMAGE_WIDTH - 1) / 2.0 - cx),
                        0,
                        Dimensions.IMAGE_WIDTH - sw);
        int oy =
                clamp(
                        (int) Math.round((Dimensions.IMAGE_HEIGHT - 1) / 2.0 - cy),
                        0,
                        Dimensions.IMAGE_HEIGHT - sh);
        float[] out = new float[Dimensions.IMAGE];
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                out[(oy + y) * Dimensions.IMAGE_WIDTH + ox + x] = sr.getSample(x, y, 0);
            }
        }
        return out;
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /**
     * Decodes at most {@link Limits#maxPixels()}: a larger picture is read subsampled (every k-th
     * pixel of every k-th row, chosen from the header before decoding), one above {@link
     * Limits#maxSourcePixels()} is refused from its header.
     */
    private static BufferedImage decodeWithin(ImageReader reader, String field, Limits limits)
            throws IOException {
        int w = reader.getWidth(0);
        int h = reader.getHeight(0);
        long pixels = (long) w * h;
        if (pixels > limits.maxSourcePixels()) {
            throw new InvalidInputException(
                    field,
                    field
                            + ": "
                            + w
                            + "x"
                            + h
                            + " pixels is larger than the limit of "
                            + limits.maxSourcePixels()
                            + " pixels (inference.http.max-image-source-pixels)");
        }
        int k = subsampling(pixels, limits.maxPixels());
        ImageReadParam param = reader.getDefaultReadParam();
        param.setSourceSubsampling(k, k, 0, 0);
        return reader.read(0, param);
    }

    /** The smallest k for which every k-th pixel of every k-th row is at most {@code maxPixels}. */
    static int subsampling(long pixels, long maxPixels) {
        int k = 1;
        while (pixels / ((long) k * k) > maxPixels) {
            k++;
        }
        return k;
    }

    private static BufferedImage read(byte[] bytes, String field, Limits limits) {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidInputException(field, field + ": the file is empty");
        }
        try (ImageInputStream in =
                ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (in == null || !readers.hasNext()) {
                throw new InvalidInputException(
                        field,
                        field
                                + ": not a readable image (PNG or JPEG expected, "
                                + bytes.length
                                + " bytes)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return decodeWithin(reader, field, limits);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidInputException iie) {
                throw iie;
            }
            throw new InvalidInputException(
                    field, field + ": not a readable image (" + e.getMessage() + ")", e);
        }
    }
}
