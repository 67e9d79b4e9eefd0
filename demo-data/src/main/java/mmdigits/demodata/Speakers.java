package mmdigits.demodata;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Enumerates the speakers the installed TTS engines offer and splits them into disjoint train/test
 * sets.
 */
public final class Speakers {
    /** flite target pitches per voice (0 = the voice's own). */
    static final int[] FLITE_F0 = {0, 85, 115, 150, 190, 230};

    /** Disjoint speaker sets. */
    public record Split(List<Speaker> train, List<Speaker> test) {}

    private Speakers() {}

    public static List<Speaker> available() throws IOException, InterruptedException {
        Tools.require("espeak-ng");
        Tools.require("flite");
        List<Speaker> all = new ArrayList<>();
        TreeSet<String> voices = new TreeSet<>();
        for (String line : run("espeak-ng", "--voices=en")) {
            String[] f = line.trim().split("\\s+");
            // Pty Language Age/Gender VoiceName File [Other]: the eSpeak NG voices proper (not
            // mbrola, which needs data)
            if (f.length >= 5 && f[4].startsWith("gmw/") && f[1].startsWith("en")) {
                voices.add(f[1]);
            }
        }
        TreeSet<String> variants = new TreeSet<>();
        for (String line : run("espeak-ng", "--voices=variant")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 5 && f[4].startsWith("!v/")) {
                variants.add(f[4].substring(3));
            }
        }
        for (String v : voices) {
            all.add(new Speaker(Speaker.ESPEAK, v, "", 0));
            for (String variant : variants) {
                all.add(new Speaker(Speaker.ESPEAK, v, variant, 0));
            }
        }
        for (String line : run("flite", "-lv")) {
            if (line.startsWith("Voices available:")) {
                TreeSet<String> fv =
                        new TreeSet<>(
                                List.of(
                                        line.substring("Voices available:".length())
                                                .trim()
                                                .split("\\s+")));
                for (String v : fv) {
                    if (v.isBlank() || v.endsWith("_time")) {
                        continue; // limited-domain voices (awb_time speaks only times of day)
                    }
                    for (int f0 : FLITE_F0) {
                        all.add(new Speaker(Speaker.FLITE, v, "", f0));
                    }
                }
            }
        }
        if (all.size() < 10) {
            throw new IOException(
                    "only " + all.size() + " TTS speakers found: is espeak-ng-data installed?");
        }
        return all;
    }

    /**
     * Splits by engine and voice family so that each engine is in both sets: a seeded shuffle per
     * engine, the first {@code testFraction} to test.
     */
    public static Split split(List<Speaker> all, double testFraction, long seed) {
        List<Speaker> train = new ArrayList<>();
        List<Speaker> test = new ArrayList<>();
        for (String engine : List.of(Speaker.ESPEAK, Speaker.FLITE)) {
            List<Speaker> e =
                    new ArrayList<>(
                            all.stream()
                                    .filter(s -> s.engine().equals(engine))
                                    .sorted(Comparator.comparing(Speaker::id))
                                    .toList());
            Collections.shuffle(e, new Random(seed * 31 + engine.hashCode()));
            int nTest = Math.max(1, (int) Math.round(e.size() * testFraction));
            test.addAll(e.subList(0, nTest));
            train.addAll(e.subList(nTest, e.size()));
        }
        train.sort(Comparator.comparing(Speaker::id));
        test.sort(Comparator.comparing(Speaker::id));
        return new Split(List.copyOf(train), List.copyOf(test));
    }

    /**
     * Cross-engine split: every speaker of the engine before the colon to train, every speaker of
     * the one after it to test (e.g. {@code espeak-ng:flite}).
     */
    public static Split byEngine(List<Speaker> all, String engines) {
        String[] e = checkEngines(engines).split(":");
        List<Speaker> train = all.stream().filter(s -> s.engine().equals(e[0])).toList();
        List<Speaker> test = all.stream().filter(s -> s.engine().equals(e[1])).toList();
        return new Split(sorted(train), sorted(test));
    }

    private static List<Speaker> sorted(List<Speaker> speakers) {
        return speakers.stream().sorted(Comparator.comparing(Speaker::id)).toList();
    }

    /**
     * {@code TRAIN:TEST}, two different engines of espeak-ng and flite; else an error naming it.
     */
    static String checkEngines(String engines) {
        List<String> known = List.of(Speaker.ESPEAK, Speaker.FLITE);
        String[] e = engines.split(":");
        if (e.length != 2 || !known.contains(e[0]) || !known.contains(e[1]) || e[0].equals(e[1])) {
            throw new IllegalArgumentException(
                    "--engines takes TRAIN:TEST, two different engines of "
                            + known
                            + " (e.g. espeak-ng:flite), got '"
                            + engines
                            + "'");
        }
        return engines;
    }

    static List<String> run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out.trim());
        }
        return out.lines().toList();
    }
}
