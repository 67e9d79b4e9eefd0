package mmdigits.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every default the docs print is the one the code runs with: a settings table's row {@code | `key`
 * (`ENV`) | `value` | …} and an inline {@code `key=value`}, in README.md and docs/*.md, against
 * {@link CodeDefaults} read from the services' source files.
 */
class DocsDefaultsTest {
    /** Our settings' prefixes; Quarkus' own defaults are not in our sources. */
    static final String KEY =
            "((?:ingest|trainer|inference|viz|mmdigits|kafka|quarkus)\\.[a-z0-9\"/.-]*[a-z0-9\"])";

    static final Pattern ROW = Pattern.compile("^\\|\\s*`" + KEY + "`[^|]*\\|\\s*`([^`]+)`\\s*\\|");
    static final Pattern INLINE = Pattern.compile("`" + KEY + "=([^`\\s]+)`");

    /** One default as a page prints it. */
    record Printed(String page, int line, String key, String value) {}

    static List<Printed> printed(Path root, Path page) throws Exception {
        List<Printed> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(page);
        String name = root.relativize(page).toString();
        for (int i = 0; i < lines.size(); i++) {
            Matcher row = ROW.matcher(lines.get(i));
            if (row.find() && !row.group(2).contains("<")) {
                out.add(new Printed(name, i + 1, row.group(1), row.group(2)));
            }
            Matcher inline = INLINE.matcher(lines.get(i));
            while (inline.find()) {
                out.add(new Printed(name, i + 1, inline.group(1), inline.group(2)));
            }
        }
        return out;
    }

    /** What disagrees: a printed default the code does not have. */
    static List<String> disagreements(Path root, Map<String, Set<String>> code) throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Path page : Readme.pages(root)) {
            for (Printed p : printed(root, page)) {
                Set<String> values = code.get(p.key());
                if (values == null && p.key().startsWith("quarkus.")) {
                    continue; // a Quarkus setting we leave at Quarkus' default
                }
                if (values == null || !values.contains(p.value())) {
                    wrong.add(
                            "%s:%d: %s = %s, the code says %s"
                                    .formatted(
                                            p.page(),
                                            p.line(),
                                            p.key(),
                                            p.value(),
                                            values == null ? "nothing (no such key)" : values));
                }
            }
        }
        return wrong;
    }

    @Test
    void everyDefaultTheDocsPrintIsTheCodes() throws Exception {
        Path root = ServiceConfig.root();
        Map<String, Set<String>> code = CodeDefaults.read(root);
        assertThat(disagreements(root, code)).isEmpty();
        // the check sees the tables: each service's table prints defaults it compares
        List<Printed> all = new ArrayList<>();
        for (Path page : Readme.pages(root)) {
            all.addAll(printed(root, page));
        }
        assertThat(all)
                .extracting(Printed::key)
                .contains(
                        "ingest.max-samples-per-request",
                        "trainer.epochs",
                        "inference.http.max-image-pixels",
                        "viz.tsne.perplexity");
    }

    @Test
    void theCodesDefaultsAreReadFromPropertiesAndAnnotations() throws Exception {
        Map<String, Set<String>> code = CodeDefaults.read(ServiceConfig.root());
        // application.properties sets it in the inference service; @WithDefault says the same
        assertThat(code.get("inference.http.max-image-pixels")).containsExactly("2000000");
        // application.properties wins over @WithDefault("10")
        assertThat(code.get("trainer.epochs")).containsExactly("7");
        // a nested group of a mapping
        assertThat(code.get("viz.tsne.approximate-neighbours-from")).containsExactly("10000");
        // one key, a value per service
        assertThat(code.get("quarkus.http.limits.max-body-size")).contains("1G", "16M", "64K");
    }

    @Test
    void aWrongDefaultIsFound(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("docs"));
        Files.writeString(
                tmp.resolve("README.md"),
                String.join(
                        "\n",
                        "| property (env) | default | meaning |",
                        "|---|---|---|",
                        "| `inference.http.max-image-pixels` | `40000000` | uploaded pictures |",
                        "| `inference.alias` | `digits` | |",
                        "| `mmdigits.instance-id` | `<host>-<http port>` | a placeholder |",
                        ""));
        Files.writeString(
                tmp.resolve("docs/bounds.md"),
                "Past `ingest.max-samples-per-request=9999` a 400; `quarkus.grpc.x=false`.\n"
                        + "| `trainer.no-such-key` | `1` | |\n");
        Map<String, Set<String>> code =
                Map.of(
                        "inference.http.max-image-pixels", Set.of("2000000"),
                        "inference.alias", Set.of("digits"),
                        "ingest.max-samples-per-request", Set.of("10000"));
        assertThat(disagreements(tmp, code))
                .containsExactly(
                        "README.md:3: inference.http.max-image-pixels = 40000000, the code says [2000000]",
                        "docs/bounds.md:1: ingest.max-samples-per-request = 9999, the code says [10000]",
                        "docs/bounds.md:2: trainer.no-such-key = 1, the code says nothing (no such key)");
    }
}
