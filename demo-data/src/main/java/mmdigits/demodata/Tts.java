package mmdigits.demodata;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import mmdigits.common.audio.InvalidAudioException;
import mmdigits.common.audio.Mfcc;
import mmdigits.common.audio.Resampler;
import mmdigits.common.audio.Wav;

/**
 * Renders a spoken word with espeak-ng or flite; returns mono 16 kHz samples (through the shared
 * front end).
 */
final class Tts {
    static final String[] WORDS = {
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"
    };

    private Tts() {}

    /**
     * @param rate espeak-ng words per minute, or flite duration stretch × 100
     * @param pitch espeak-ng pitch 0-99 (ignored by flite)
     */
    static float[] render(Speaker speaker, int digit, int rate, int pitch, Path tmp)
            throws IOException, InterruptedException {
        String word = WORDS[digit];
        byte[] wav;
        if (speaker.engine().equals(Speaker.ESPEAK)) {
            String v =
                    speaker.voice() + (speaker.variant().isEmpty() ? "" : "+" + speaker.variant());
            wav =
                    run(
                            List.of(
                                    "espeak-ng",
                                    "-v",
                                    v,
                                    "-s",
                                    Integer.toString(rate),
                                    "-p",
                                    Integer.toString(pitch),
                                    "--stdout",
                                    word),
                            null);
        } else {
            Path out = Files.createTempFile(tmp, "flite-", ".wav");
            try {
                List<String> cmd =
                        new ArrayList<>(
                                List.of(
                                        "flite",
                                        "-voice",
                                        speaker.voice(),
                                        "--setf",
                                        String.format(
                                                Locale.ROOT,
                                                "duration_stretch=%.2f",
                                                rate / 100.0)));
                if (speaker.f0() > 0) {
                    cmd.addAll(List.of("--setf", "int_f0_target_mean=" + speaker.f0()));
                }
                cmd.addAll(List.of("-t", word, "-o", out.toString()));
                run(cmd, out);
                wav = Files.readAllBytes(out);
            } finally {
                Files.deleteIfExists(out);
            }
        }
        try {
            Wav.Audio a = Wav.decode(wav, speaker.id() + " '" + word + "'");
            float[] x = Resampler.resample(a.samples(), a.sampleRate(), Mfcc.SAMPLE_RATE);
            double energy = 0;
            for (float s : x) {
                energy += s * s;
            }
            if (energy < 1e-6) {
                throw new IOException(speaker.id() + " rendered '" + word + "' as silence");
            }
            return x;
        } catch (InvalidAudioException e) {
            throw new IOException("TTS output unusable: " + e.getMessage(), e);
        }
    }

    /**
     * All ten digit words in one espeak-ng call (a pause between words), cut apart at the nine
     * longest silences; falls back to one call per word when the cut does not give ten words.
     */
    static float[][] renderDigits(Speaker speaker, int rate, int pitch, Path tmp)
            throws IOException, InterruptedException {
        float[][] words = null;
        if (speaker.engine().equals(Speaker.ESPEAK)) {
            String v =
                    speaker.voice() + (speaker.variant().isEmpty() ? "" : "+" + speaker.variant());
            byte[] wav =
                    run(
                            List.of(
                                    "espeak-ng",
                                    "-v",
                                    v,
                                    "-s",
                                    Integer.toString(rate),
                                    "-p",
                                    Integer.toString(pitch),
                                    "-g",
                                    "30",
                                    "--stdout",
                                    String.join(". ", WORDS) + "."),
                            null);
            try {
                Wav.Audio a = Wav.decode(wav, speaker.id());
                words =
                        cut(
                                Resampler.resample(a.samples(), a.sampleRate(), Mfcc.SAMPLE_RATE),
                                WORDS.length);
            } catch (InvalidAudioException e) {
                throw new IOException("TTS output unusable: " + e.getMessage(), e);
            }
        }
        if (words == null) {
            words = new float[WORDS.length][];
            for (int d = 0; d < WORDS.length; d++) {
                words[d] = render(speaker, d, rate, pitch, tmp);
            }
        }
        return words;
    }

    /**
     * Cuts {@code x} into {@code n} words at the n-1 longest inner silences (10 ms frames, -40 dB,
     * >= 120 ms).
     */
    static float[][] cut(float[] x, int n) {
        int frame = 160;
        int frames = x.length / frame;
        double[] e = new double[frames];
        double max = 0;
        for (int f = 0; f < frames; f++) {
            for (int i = f * frame; i < (f + 1) * frame; i++) {
                e[f] += (double) x[i] * x[i];
            }
            max = Math.max(max, e[f]);
        }
        double threshold = max * 1e-4;
        int first = 0;
        while (first < frames && e[first] < threshold) {
            first++;
        }
        int last = frames - 1;
        while (last >= 0 && e[last] < threshold) {
            last--;
        }
        List<int[]> gaps = new ArrayList<>(); // {start, length} in frames
        for (int f = first; f <= last; f++) {
            if (e[f] < threshold) {
                int start = f;
                while (f <= last && e[f] < threshold) {
                    f++;
                }
                if (f - start >= 12) {
                    gaps.add(new int[] {start, f - start});
                }
            }
        }
        if (gaps.size() < n - 1) {
            return null;
        }
        gaps.sort(
                (a, b) -> b[1] != a[1] ? Integer.compare(b[1], a[1]) : Integer.compare(a[0], b[0]));
        List<int[]> chosen = new ArrayList<>(gaps.subList(0, n - 1));
        chosen.sort((a, b) -> Integer.compare(a[0], b[0]));
        float[][] words = new float[n][];
        int margin = 3;
        int from = first;
        for (int w = 0; w < n; w++) {
            int to = w < n - 1 ? chosen.get(w)[0] : last + 1;
            int a = Math.max(0, from - margin) * frame;
            int b = Math.min(frames, to + margin) * frame;
            words[w] = Arrays.copyOfRange(x, a, b);
            if (w < n - 1) {
                from = chosen.get(w)[0] + chosen.get(w)[1];
            }
        }
        return words;
    }

    private static byte[] run(List<String> cmd, Path expectFile)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(
                    String.join(" ", cmd)
                            + " failed (exit "
                            + (p.isAlive() ? "timeout" : p.exitValue())
                            + ")");
        }
        return out;
    }
}
