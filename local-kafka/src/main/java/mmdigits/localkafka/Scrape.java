package mmdigits.localkafka;

import static io.restassured.RestAssured.given;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of {@code /q/metrics}, read the way Prometheus reads it, and held to the table of
 * docs/metrics.md.
 */
public final class Scrape {
    private static final Pattern TABLE_ROW = Pattern.compile("^\\| `([a-z_]+)` \\|");
    private static final Pattern TYPE = Pattern.compile("^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) ");

    private final List<String> lines;
    private final Set<String> families;

    private Scrape(String text) {
        this.lines = text.lines().filter(l -> !l.startsWith("#")).toList();
        this.families = new TreeSet<>();
        text.lines()
                .map(TYPE::matcher)
                .filter(Matcher::find)
                .forEach(m -> families.add(m.group(1)));
    }

    /** This test's service's {@code /q/metrics}. */
    public static Scrape now() {
        return of(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    /** A scrape's text, however it was fetched. */
    public static Scrape of(String text) {
        return new Scrape(text);
    }

    /**
     * The project's metric families in this scrape ({@code mmdigits_…}, as their {@code # TYPE}
     * lines name them; Micrometer names counters there without {@code _total}).
     */
    public Set<String> ownFamilies() {
        Set<String> own = new TreeSet<>();
        for (String f : families) {
            if (f.startsWith("mmdigits_")) {
                own.add(f);
            }
        }
        return own;
    }

    /**
     * Fails unless every metric family of the project in this scrape is a row of {@code
     * docs/metrics.md} (found from the working directory up).
     */
    public void assertDocumented() throws IOException {
        Set<String> documented = documented();
        List<String> missing =
                ownFamilies().stream().filter(f -> !documented(documented, f)).toList();
        if (!missing.isEmpty()) {
            throw new AssertionError(
                    "exported but not in docs/metrics.md: "
                            + missing
                            + " (documented: "
                            + documented
                            + ")");
        }
    }

    /**
     * Counters are listed with their {@code _total}; a timer's or summary's {@code _max} with it.
     */
    private static boolean documented(Set<String> documented, String family) {
        return documented.contains(family)
                || documented.contains(family + "_total")
                || family.endsWith("_max")
                        && documented.contains(family.substring(0, family.length() - 4));
    }

    /** The metric names of docs/metrics.md's table. */
    public static Set<String> documented() throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("docs/metrics.md"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new AssertionError(
                    "docs/metrics.md not found above " + Path.of("").toAbsolutePath());
        }
        Set<String> names = new TreeSet<>();
        for (String line : Files.readAllLines(dir.resolve("docs/metrics.md"))) {
            Matcher m = TABLE_ROW.matcher(line);
            if (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /**
     * The sum over the series of {@code name} that carry every label given as {@code key=value};
     * NaN when there is none.
     */
    public double sum(String name, String... labels) {
        List<String> series = series(name, labels);
        return series.isEmpty() ? Double.NaN : series.stream().mapToDouble(Scrape::value).sum();
    }

    /**
     * A series line's value: the first token after its labels (an exemplar, {@code # {trace_id=…}
     * 1.0 1796543512.816}, may follow it once tracing is on the classpath).
     */
    static double value(String line) {
        int labels = line.indexOf('}');
        String rest = labels >= 0 ? line.substring(labels + 1) : line.substring(line.indexOf(' '));
        return Double.parseDouble(rest.trim().split("\\s+")[0]);
    }

    /** The lines of {@code name}'s series carrying every label given. */
    public List<String> series(String name, String... labels) {
        return lines.stream()
                .filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                .filter(l -> Arrays.stream(labels).allMatch(kv -> l.contains(quoted(kv))))
                .toList();
    }

    private static String quoted(String kv) {
        int eq = kv.indexOf('=');
        return kv.substring(0, eq) + "=\"" + kv.substring(eq + 1) + "\"";
    }
}
