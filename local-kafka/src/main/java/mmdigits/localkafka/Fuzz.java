package mmdigits.localkafka;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Seeded fuzz cases for tests of hostile input: mutants of valid request bodies or record values
 * (ranges deleted, duplicated or truncated, hostile tokens inserted, characters replaced) and
 * random bytes. The same seed gives the same cases, so a failure names a case that can be replayed.
 * Uses only the JDK.
 */
public final class Fuzz {
    /**
     * What a hostile client types: wrong types, huge and non-finite numbers, structure, control
     * characters.
     */
    private static final String[] TOKENS = {
        "null",
        "-1",
        "0",
        "1e309",
        "-1e309",
        "NaN",
        "9223372036854775808",
        "123456789012345678901234567890",
        "\"x\"",
        "\"\"",
        "true",
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        "\"image\":",
        "\"audio\":",
        "\"samples\":",
        "\"inputs\":",
        "\"data\":",
        "\"shape\":",
        "[[[[[[[[[[[[[[[[[[[[[[[[",
        "]]]]]]]]]]]]",
        "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{",
        "\u0000",
        "\\u0000",
        "\"\\ud800\"",
        "\t",
        "\uFEFF",
        "0.",
        ".5",
        "+1",
        "0x10",
        "1_000"
    };

    private Fuzz() {}

    /** {@code n} mutants of the valid texts, each with 1 to 4 mutations. */
    public static List<String> mutants(long seed, List<String> valid, int n) {
        Random r = new Random(seed);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder s = new StringBuilder(valid.get(r.nextInt(valid.size())));
            int mutations = 1 + r.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                mutate(s, r);
            }
            out.add(s.toString());
        }
        return out;
    }

    private static void mutate(StringBuilder s, Random r) {
        int at = s.length() == 0 ? 0 : r.nextInt(s.length());
        int span = Math.min(s.length() - at, 1 + r.nextInt(40));
        switch (r.nextInt(6)) {
            case 0 -> s.delete(at, at + span);
            case 1 -> s.insert(at, s.substring(at, at + span));
            case 2 -> s.setLength(at);
            case 3 -> s.insert(at, TOKENS[r.nextInt(TOKENS.length)]);
            case 4 -> {
                if (s.length() > 0) {
                    s.setCharAt(at, (char) r.nextInt(128));
                }
            }
            default -> s.replace(at, at + span, TOKENS[r.nextInt(TOKENS.length)]);
        }
    }

    /**
     * {@code n} mutants of valid encodings, as bytes: bytes flipped, ranges deleted, duplicated or
     * truncated.
     */
    public static List<byte[]> mutants(long seed, List<byte[]> valid, int n, boolean binary) {
        if (!binary) {
            List<String> texts =
                    valid.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
            return mutants(seed, texts, n).stream()
                    .map(t -> t.getBytes(StandardCharsets.UTF_8))
                    .toList();
        }
        Random r = new Random(seed);
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] b = valid.get(r.nextInt(valid.size())).clone();
            int mutations = 1 + r.nextInt(4);
            for (int m = 0; m < mutations && b.length > 0; m++) {
                int at = r.nextInt(b.length);
                switch (r.nextInt(4)) {
                    case 0 -> b[at] = (byte) r.nextInt(256);
                    case 1 -> b = Arrays.copyOf(b, at);
                    case 2 -> {
                        byte[] longer = Arrays.copyOf(b, b.length + Math.min(b.length - at, 16));
                        System.arraycopy(b, at, longer, b.length, longer.length - b.length);
                        b = longer;
                    }
                    default ->
                            b[at] = (byte) (0x80 | r.nextInt(128)); // varint continuation: lengths
                        // that lie
                }
            }
            out.add(b);
        }
        return out;
    }

    /** What a service answered to one case. */
    public record Answer(int status, String body) {}

    /**
     * Sends every case; each answer must be a 2xx or a 4xx (never a 5xx): the first that is not
     * fails with the case, its index and the seed. Returns how many answers had each status.
     */
    public static Map<Integer, Integer> send(
            String what, long seed, List<String> cases, Function<String, Answer> request) {
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (int i = 0; i < cases.size(); i++) {
            Answer a = request.apply(cases.get(i));
            if (a.status() < 200 || a.status() > 499) {
                throw new AssertionError(
                        what
                                + " case "
                                + i
                                + " (seed "
                                + seed
                                + "): "
                                + cases.get(i)
                                + "\n-> "
                                + a.status()
                                + " "
                                + a.body());
            }
            statuses.merge(a.status(), 1, Integer::sum);
        }
        return statuses;
    }

    /** {@code n} arrays of random bytes of up to {@code maxLength}. */
    public static List<byte[]> bytes(long seed, int n, int maxLength) {
        Random r = new Random(seed);
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[r.nextInt(maxLength + 1)];
            r.nextBytes(b);
            out.add(b);
        }
        return out;
    }
}
