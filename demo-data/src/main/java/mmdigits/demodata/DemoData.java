package mmdigits.demodata;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicLong;
import mmdigits.common.sample.Dimensions;
import mmdigits.common.seed.LabelsCsv;
import mmdigits.common.seed.NpyDType;
import mmdigits.common.seed.NpyWriter;
import mmdigits.common.seed.SeedFiles;

/**
 * Writes a demo dataset in the original file formats: real MNIST digits, each paired with a spoken
 * recording of the same digit by a synthetic speaker (espeak-ng or flite), augmented, through the
 * project's audio front end. Test speakers never occur in train. Same seed and versions, same
 * bytes.
 *
 * <pre>
 * DemoData [--out data/demo] [--train 60000] [--test 10000] [--seed 42] [--snr 5:20] [--takes 1]
 *          [--test-speakers 0.2] [--cache ~/.cache/mmdigits] [--threads N]
 * </pre>
 */
public final class DemoData {
    static final String VERSION = "1";

    /** The generator's settings. */
    public record Options(
            Path out,
            int train,
            int test,
            long seed,
            double snrMin,
            double snrMax,
            int takes,
            double testSpeakerFraction,
            Path cache,
            int threads,
            String engines) {

        public static Options defaults() {
            return new Options(
                    Path.of("data/demo"),
                    60_000,
                    10_000,
                    42,
                    -5,
                    10,
                    1,
                    0.2,
                    Path.of(System.getProperty("user.home"), ".cache", "mmdigits"),
                    Runtime.getRuntime().availableProcessors(),
                    "");
        }
    }

    /** What was written. */
    public record Result(
            Path dir,
            int train,
            int test,
            int trainSpeakers,
            int testSpeakers,
            long clips,
            double seconds) {}

    private final Options options;
    private final Map<String, FutureTask<float[][]>> clips = new ConcurrentHashMap<>();
    private final AtomicLong rendered = new AtomicLong();
    private Path tmp;

    public DemoData(Options options) {
        this.options = options;
    }

    public static void main(String[] args) {
        try {
            Options o = parse(args);
            if (o == null) {
                System.out.println(USAGE);
                return;
            }
            Result r = new DemoData(o).generate();
            System.out.printf(
                    "demo data in %s: %,d train + %,d test samples, %d train / %d test speakers, %,d clips, %.0f s%n",
                    r.dir(),
                    r.train(),
                    r.test(),
                    r.trainSpeakers(),
                    r.testSpeakers(),
                    r.clips(),
                    r.seconds());
        } catch (Tools.MissingToolException | IllegalArgumentException e) {
            System.err.println("demo-data: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            System.err.println("demo-data failed: " + e);
            System.exit(1);
        }
    }

    static final String USAGE =
            "usage: DemoData [--out data/demo] [--train 60000] [--test 10000] [--seed 42]"
                    + " [--snr -5:10] [--takes 1] [--test-speakers 0.2] [--cache DIR] [--threads N]"
                    + " [--engines TRAIN:TEST, e.g. espeak-ng:flite]";

    /** The options, or null for --help. */
    static Options parse(String[] args) {
        Options d = Options.defaults();
        Path out = d.out();
        Path cache = d.cache();
        int train = d.train();
        int test = d.test();
        int takes = d.takes();
        int threads = d.threads();
        long seed = d.seed();
        double snrMin = d.snrMin();
        double snrMax = d.snrMax();
        double testSpeakers = d.testSpeakerFraction();
        String engines = d.engines();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-h") || args[i].equals("--help")) {
                return null;
            }
            String v = need(args, i++);
            switch (args[i - 1]) {
                case "--out" -> out = Path.of(v);
                case "--train" -> train = Integer.parseInt(v);
                case "--test" -> test = Integer.parseInt(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--snr" -> {
                    String[] r = v.split(":");
                    if (r.length != 2) {
                        throw new IllegalArgumentException("--snr takes MIN:MAX in dB, got " + v);
                    }
                    snrMin = Double.parseDouble(r[0]);
                    snrMax = Double.parseDouble(r[1]);
                }
                case "--takes" -> takes = Integer.parseInt(v);
                case "--test-speakers" -> testSpeakers = Double.parseDouble(v);
                case "--cache" -> cache = Path.of(v);
                case "--threads" -> threads = Integer.parseInt(v);
                case "--engines" -> engines = Speakers.checkEngines(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i - 1]);
            }
        }
        return new Options(
                out,
                train,
                test,
                seed,
                snrMin,
                snrMax,
                takes,
                testSpeakers,
                cache,
                threads,
                engines);
    }

    private static String need(String[] args, int i) {
        if (i + 1 >= args.length) {
            throw new IllegalArgumentException(args[i] + " needs a value");
        }
        return args[i + 1];
    }

    public Result generate() throws Exception {
        long t0 = System.nanoTime();
        Options o = options;
        if (o.train() < 1 || o.train() > 60_000 || o.test() < 1 || o.test() > 10_000) {
            throw new IllegalArgumentException(
                    "--train must be 1-60000 and --test 1-10000 (MNIST's sizes)");
        }
        if (o.snrMin() > o.snrMax()) {
            throw new IllegalArgumentException("--snr MIN:MAX with MIN <= MAX");
        }
        Tools.require("espeak-ng");
        Tools.require("flite");
        Mnist.Data mnist = Mnist.load(Mnist.fetch(o.cache()));
        Speakers.Split speakers =
                o.engines().isEmpty()
                        ? Speakers.split(Speakers.available(), o.testSpeakerFraction(), o.seed())
                        : Speakers.byEngine(Speakers.available(), o.engines());
        Files.createDirectories(o.out());
        tmp = Files.createTempDirectory("mmdigits-tts-");
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, o.threads()));
        try {
            writeSplit("train", mnist.train(), o.train(), speakers.train(), 1, pool);
            writeSplit("test", mnist.test(), o.test(), speakers.test(), 2, pool);
        } finally {
            pool.shutdownNow();
            try (var files = Files.list(tmp)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(tmp);
        }
        writeManifest(speakers);
        return new Result(
                o.out(),
                o.train(),
                o.test(),
                speakers.train().size(),
                speakers.test().size(),
                rendered.get(),
                (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Which MNIST rows a split uses: all in order, or a seeded random subset in ascending order.
     */
    static int[] pick(int available, int wanted, long seed) {
        int[] all = new int[available];
        Arrays.setAll(all, i -> i);
        if (wanted == available) {
            return all;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = available - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] chosen = Arrays.copyOf(all, wanted);
        Arrays.sort(chosen);
        return chosen;
    }

    private void writeSplit(
            String split,
            Mnist.Set set,
            int n,
            List<Speaker> speakers,
            int splitCode,
            ExecutorService pool)
            throws IOException, InterruptedException, ExecutionException {
        int[] rows = pick(set.count(), n, options.seed() * 1_000_003L + splitCode);
        Augmenter augmenter = new Augmenter(options.snrMin(), options.snrMax(), 0.12, 6, 1600);
        ProgressBar bar = new ProgressBar(split, n, rendered::get);
        int[] labels = new int[n];
        Path out = options.out();
        try (NpyWriter images =
                        NpyWriter.create(
                                out.resolve("x_" + split + "_wr.npy"),
                                NpyDType.UINT8,
                                n,
                                Dimensions.IMAGE);
                NpyWriter audio =
                        NpyWriter.create(
                                out.resolve("x_" + split + "_sp.npy"),
                                NpyDType.FLOAT32,
                                n,
                                Dimensions.AUDIO)) {
            int chunk = 1024;
            float[] img = new float[Dimensions.IMAGE];
            for (int start = 0; start < n; start += chunk) {
                int end = Math.min(n, start + chunk);
                List<Future<float[]>> mfccs = new ArrayList<>(end - start);
                for (int i = start; i < end; i++) {
                    int row = i;
                    int label = set.label(rows[i]);
                    labels[i] = label;
                    mfccs.add(
                            pool.submit(
                                    () -> {
                                        SplittableRandom r =
                                                new SplittableRandom(
                                                        mix(options.seed(), splitCode, row));
                                        Speaker speaker = speakers.get(r.nextInt(speakers.size()));
                                        int take = r.nextInt(options.takes());
                                        return augmenter.mfcc(clip(speaker, label, take), r);
                                    }));
                }
                for (int i = start; i < end; i++) {
                    set.image(rows[i], img);
                    images.writeRow(img);
                    audio.writeRow(mfccs.get(i - start).get());
                    bar.update(i + 1);
                }
            }
        }
        LabelsCsv.write(out.resolve("y_" + split + ".csv"), LabelsCsv.sequentialIds(n), labels);
    }

    /**
     * The rendering of (speaker, digit, take); all ten digits of a (speaker, take) are made at
     * once.
     */
    float[] clip(Speaker speaker, int digit, int take)
            throws InterruptedException, ExecutionException {
        String key = speaker.id() + "|" + take;
        FutureTask<float[][]> task =
                clips.computeIfAbsent(
                        key,
                        k ->
                                new FutureTask<>(
                                        () -> {
                                            SplittableRandom r =
                                                    new SplittableRandom(
                                                            mix(
                                                                    options.seed(),
                                                                    speaker.id().hashCode(),
                                                                    take));
                                            boolean espeak =
                                                    speaker.engine().equals(Speaker.ESPEAK);
                                            int rate =
                                                    espeak
                                                            ? 120 + r.nextInt(81)
                                                            : 85 + r.nextInt(41);
                                            int pitch = 20 + r.nextInt(61);
                                            float[][] x =
                                                    Tts.renderDigits(speaker, rate, pitch, tmp);
                                            rendered.addAndGet(x.length);
                                            return x;
                                        }));
        task.run(); // no-op when another thread ran it already
        return task.get()[digit];
    }

    static long mix(long a, long b, long c) {
        long h = a * 0x9E3779B97F4A7C15L ^ (b + 0x632BE59BD9B4E019L) * 0xC2B2AE3D27D4EB4FL;
        h ^= (c + 0x165667B19E3779F9L) * 0x27D4EB2F165667C5L;
        h ^= h >>> 31;
        return h * 0x9E3779B97F4A7C15L;
    }

    private void writeManifest(Speakers.Split speakers) throws IOException, InterruptedException {
        Options o = options;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("generator", "mmdigits demo-data " + VERSION);
        m.put("seed", o.seed());
        m.put(
                "files",
                List.of(
                        SeedFiles.TRAIN_IMAGES,
                        SeedFiles.TRAIN_AUDIO,
                        SeedFiles.TRAIN_LABELS,
                        SeedFiles.TEST_IMAGES,
                        SeedFiles.TEST_AUDIO,
                        SeedFiles.TEST_LABELS));
        m.put("counts", Map.of("train", o.train(), "test", o.test()));
        m.put(
                "images",
                Map.of(
                        "source",
                        "npm " + Mnist.PACKAGE + " (MNIST IDX files)",
                        "train_from",
                        "MNIST train",
                        "test_from",
                        "MNIST test",
                        "dtype",
                        "uint8",
                        "shape",
                        "(N, 784), 0-255, white digit on black"));
        Map<String, Object> audio = new LinkedHashMap<>();
        audio.put("words", List.of(Tts.WORDS));
        audio.put(
                "engines",
                Map.of(
                        "espeak-ng",
                        version("espeak-ng", "--version"),
                        "flite",
                        version("flite", "--version")));
        audio.put("speakers_train", speakers.train().size());
        audio.put("speakers_test", speakers.test().size());
        audio.put("engines_train_test", o.engines().isEmpty() ? "both:both" : o.engines());
        audio.put("speaker_sets_disjoint", true);
        audio.put("takes_per_speaker_and_digit", o.takes());
        audio.put(
                "augmentation",
                Map.of(
                        "speed",
                        "x[0.88, 1.12] (tempo and pitch)",
                        "gain_db",
                        "[-6, 6]",
                        "time_shift_s",
                        "[-0.1, 0.1]",
                        "noise",
                        "white, pink or brown",
                        "snr_db",
                        List.of(o.snrMin(), o.snrMax())));
        audio.put(
                "front_end",
                "mono 16 kHz, 1 s centred on the speech, MFCC 39 frames x 13 (see common/.../Mfcc.java)");
        audio.put("dtype", "float32");
        audio.put("shape", "(N, 507), frame-major");
        m.put("audio", audio);
        m.put(
                "speakers",
                Map.of(
                        "train",
                        speakers.train().stream().map(Speaker::id).toList(),
                        "test",
                        speakers.test().stream().map(Speaker::id).toList()));
        ObjectMapper json =
                new ObjectMapper()
                        .enable(SerializationFeature.INDENT_OUTPUT)
                        .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
        Files.writeString(o.out().resolve("manifest.json"), json.writeValueAsString(m) + "\n");
        Files.writeString(
                o.out().resolve("README.md"),
                """
                # multimodal-digits demo data

                Real handwritten digits (MNIST, from the npm package %s) paired by label with spoken digits
                rendered by espeak-ng and flite, augmented (speed, gain, time shift, noise at %.0f-%.0f dB SNR) and turned
                into 39x13 MFCC by the project's audio front end. %,d train / %,d test samples; %d train and %d test
                speakers, disjoint. Seed %d. Details: manifest.json. Regenerate: ./digits demo-data --train %d --test %d --seed %d
                """
                        .formatted(
                                Mnist.PACKAGE,
                                o.snrMin(),
                                o.snrMax(),
                                o.train(),
                                o.test(),
                                speakers.train().size(),
                                speakers.test().size(),
                                o.seed(),
                                o.train(),
                                o.test(),
                                o.seed()));
    }

    /**
     * The line of a program's version output that names the version (flite exits 1 after printing
     * it).
     */
    static String version(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
        p.waitFor();
        return lines.stream()
                .filter(l -> l.contains("1.") || l.contains("version"))
                .findFirst()
                .orElse(lines.isEmpty() ? "" : lines.get(0))
                .trim();
    }
}
