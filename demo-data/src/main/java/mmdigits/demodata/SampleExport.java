package mmdigits.demodata;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import mmdigits.common.audio.Mfcc;
import mmdigits.common.audio.Wav;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import mmdigits.common.sample.SampleIds;
import mmdigits.common.sample.SampleJson;
import mmdigits.common.seed.SeedFileException;
import mmdigits.common.seed.SeedFiles;
import mmdigits.common.seed.SeedSplit;

/**
 * Rows of a seed directory as the documented JSON form of {@code Sample} (one line each), for
 * streaming samples by hand and for the HTTP examples; optionally the first row's image as a PNG
 * and its digit spoken by espeak-ng as a WAV (the files hold MFCC, not sound, so this is a new
 * recording of the same digit).
 *
 * <pre>
 * ./digits sample DIR ROW [ROW ...] [--split test|train] [--dataset NAME] [--png FILE] [--wav FILE]
 * </pre>
 */
public final class SampleExport {
    static final String USAGE =
            "usage: ./digits sample DIR ROW [ROW ...] [--split test|train] [--dataset NAME]"
                    + " [--png FILE] [--wav FILE]\n"
                    + "  prints rows (0-based positions in the files) as JSON samples, one per line;\n"
                    + "  --png writes the first row's image, --wav its digit spoken by espeak-ng (needs the label)";

    /** The parsed command line. */
    record Options(Path dir, List<Long> rows, Split split, String dataset, Path png, Path wav) {}

    private SampleExport() {}

    public static void main(String[] args) {
        try {
            Options o = parse(args);
            if (o == null) {
                System.out.println(USAGE);
                return;
            }
            export(o, System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("sample: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
        } catch (SeedFileException e) {
            System.err.println("sample: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            System.err.println("sample failed: " + e);
            System.exit(1);
        }
    }

    /** The options, or null for --help. */
    static Options parse(String[] args) {
        Path dir = null;
        List<Long> rows = new ArrayList<>();
        Split split = Split.TEST;
        String dataset = null;
        Path png = null;
        Path wav = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--split" -> split = SampleIds.parseSplit(value(args, ++i, a));
                case "--dataset" -> {
                    dataset = value(args, ++i, a);
                    if (!SampleIds.isValidDataset(dataset)) {
                        throw new IllegalArgumentException(
                                "--dataset: '"
                                        + dataset
                                        + "' is not a dataset name (letters, digits, '.', '_', '-'; at most 100)");
                    }
                }
                case "--png" -> png = Path.of(value(args, ++i, a));
                case "--wav" -> wav = Path.of(value(args, ++i, a));
                default -> {
                    if (a.startsWith("--")) {
                        throw new IllegalArgumentException("unknown option " + a);
                    } else if (dir == null) {
                        dir = Path.of(a);
                    } else {
                        try {
                            rows.add(Long.parseLong(a));
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException(
                                    "ROW: '" + a + "' is not a row number");
                        }
                    }
                }
            }
        }
        if (dir == null || rows.isEmpty()) {
            throw new IllegalArgumentException("a directory and at least one row are required");
        }
        if (dataset == null) {
            dataset =
                    SampleIds.datasetFromName(
                            dir.toAbsolutePath().normalize().getFileName().toString());
        }
        return new Options(dir, List.copyOf(rows), split, dataset, png, wav);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /** Writes the JSON lines to {@code out} and the optional files; returns the samples. */
    static List<Sample> export(Options o, PrintStream out)
            throws SeedFileException, IOException, InterruptedException {
        List<Sample> samples = new ArrayList<>();
        try (SeedSplit split = SeedSplit.open(o.dir(), o.split(), null)) {
            for (long row : o.rows()) {
                if (row < 0 || row >= split.rows()) {
                    throw new SeedFileException(
                            SeedFiles.images(o.split()),
                            "row "
                                    + row
                                    + " is out of range (the "
                                    + SampleIds.splitName(o.split())
                                    + " split has "
                                    + split.rows()
                                    + " rows: 0 to "
                                    + (split.rows() - 1)
                                    + ")");
                }
                samples.add(split.sample(o.dataset(), row));
            }
        }
        for (Sample s : samples) {
            out.println(SampleJson.print(s));
        }
        Sample first = samples.get(0);
        if (o.png() != null) {
            Files.createDirectories(o.png().toAbsolutePath().getParent());
            ImageIO.write(image(first), "png", o.png().toFile());
        }
        if (o.wav() != null) {
            if (!first.hasLabel()) {
                throw new SeedFileException(
                        SeedFiles.labels(o.split()),
                        "--wav needs the label of row "
                                + o.rows().get(0)
                                + ", and the "
                                + SampleIds.splitName(o.split())
                                + " split has no labels");
            }
            Path tmp = Files.createTempDirectory("mmdigits-sample");
            try {
                float[] speech =
                        Tts.render(
                                new Speaker(Speaker.ESPEAK, "en-us", "", 0),
                                first.getLabel(),
                                150,
                                50,
                                tmp);
                Files.createDirectories(o.wav().toAbsolutePath().getParent());
                Files.write(o.wav(), Wav.encodePcm16(speech, Mfcc.SAMPLE_RATE));
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return samples;
    }

    /**
     * The 28×28 image, scaled so that the row's largest value is white (values as in MNIST stay as
     * they are).
     */
    static BufferedImage image(Sample s) {
        float max = 0;
        for (int i = 0; i < s.getImageCount(); i++) {
            max = Math.max(max, s.getImage(i));
        }
        float scale = max > 255 || (max > 0 && max <= 1) ? 255f / max : 1f;
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 784; i++) {
            int v = Math.round(Math.max(0, s.getImage(i)) * scale);
            img.getRaster().setSample(i % 28, i / 28, 0, Math.min(255, v));
        }
        return img;
    }
}
