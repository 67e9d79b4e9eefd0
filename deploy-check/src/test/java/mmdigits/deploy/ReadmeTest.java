package mmdigits.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadmeTest {

    @Test
    void cutsBashBlocksIntoCommandsAsBashReadsThem(@TempDir Path tmp) throws Exception {
        Path md =
                Files.writeString(
                        tmp.resolve("README.md"),
                        String.join(
                                "\n",
                                "# Title",
                                "```text",
                                "not bash",
                                "```",
                                "text",
                                "```bash",
                                "./digits up      # a comment with 'a quote",
                                "# only a comment",
                                "",
                                "curl -s -d '{\"a\": 1,",
                                "  \"b\": 2}' localhost:8080/x | jq .",
                                "jq '{x}' f.json |",
                                "  curl -s -d @- localhost:8080/y \\",
                                "     -H 'A: b'",
                                "V=$(echo \"#not a comment\") # comment",
                                "```",
                                "```json",
                                "{\"x\": 1}",
                                "```",
                                "```bash",
                                "./digits down",
                                "```",
                                ""));
        List<Readme.Command> c = Readme.commands(md);
        assertThat(c).extracting(Readme.Command::line).containsExactly(7, 10, 12, 15, 21);
        assertThat(c).extracting(Readme.Command::block).containsExactly(0, 0, 0, 0, 1);
        assertThat(c.get(0).text()).isEqualTo("./digits up      # a comment with 'a quote");
        assertThat(c.get(0).plain()).isEqualTo("./digits up");
        assertThat(c.get(1).text())
                .isEqualTo("curl -s -d '{\"a\": 1,\n  \"b\": 2}' localhost:8080/x | jq .");
        assertThat(c.get(2).plain())
                .isEqualTo("jq '{x}' f.json | curl -s -d @- localhost:8080/y -H 'A: b'");
        assertThat(c.get(3).plain()).isEqualTo("V=$(echo \"#not a comment\")");
    }

    @Test
    void anUnfinishedCommandIsAnError(@TempDir Path tmp) throws Exception {
        Path md = Files.writeString(tmp.resolve("README.md"), "```bash\ncurl -d 'open\n```\n");
        assertThatThrownBy(() -> Readme.commands(md)).hasMessageContaining("does not end (line 2)");
    }

    @Test
    void pagesAreReadTogetherWithBlocksNumberedAcrossThem(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("docs"));
        Files.writeString(tmp.resolve("README.md"), "```bash\n./digits run\n```\n");
        Files.writeString(tmp.resolve("docs/b.md"), "```bash\ncurl b\n```\n```bash\ncurl c\n```\n");
        Files.writeString(tmp.resolve("docs/a.md"), "text\n```bash\ncurl a\n```\n");
        Files.writeString(tmp.resolve("docs/notes.txt"), "```bash\nnot read\n```\n");
        List<Path> pages = Readme.pages(tmp);
        assertThat(pages)
                .containsExactly(
                        tmp.resolve("README.md"),
                        tmp.resolve("docs/a.md"),
                        tmp.resolve("docs/b.md"));
        List<Readme.Command> c = Readme.commands(tmp, pages);
        assertThat(c)
                .extracting(Readme.Command::plain)
                .containsExactly("./digits run", "curl a", "curl b", "curl c");
        assertThat(c)
                .extracting(Readme.Command::page)
                .containsExactly("README.md", "docs/a.md", "docs/b.md", "docs/b.md");
        assertThat(c).extracting(Readme.Command::block).containsExactly(0, 1, 2, 3);
        assertThat(c).extracting(Readme.Command::line).containsExactly(2, 3, 2, 5);
    }

    @Test
    void theProjectDocsParse() throws Exception {
        Path root = ServiceConfig.root();
        List<Readme.Command> all = Readme.commands(root, Readme.pages(root));
        assertThat(all).extracting(Readme.Command::page).contains("README.md", "docs/api.md");
        assertThat(all).allSatisfy(cmd -> assertThat(cmd.plain()).isNotBlank());
    }

    @Test
    void theProjectReadmeParses() throws Exception {
        List<Readme.Command> c = Readme.commands(ServiceConfig.root().resolve("README.md"));
        assertThat(c)
                .extracting(Readme.Command::plain)
                .contains(
                        "./digits run",
                        "./mvnw -B verify",
                        "./digits run --train 2000 --test 500 --epochs 1 --keep");
        assertThat(c).allSatisfy(cmd -> assertThat(cmd.plain()).isNotBlank());
    }

    /** The packages of a purpose in ./digits, e.g. RUN_PACKAGES=(espeak-ng flite ...). */
    static List<String> packages(String script, String array) {
        Matcher m = Pattern.compile("(?m)^" + array + "=\\(([^)]*)\\)").matcher(script);
        assertThat(m.find()).as(array + " in ./digits").isTrue();
        return List.of(m.group(1).trim().split("\\s+"));
    }

    @Test
    void theReadmeSaysWhatEachCommandInstallsAsTheScriptDoes() throws Exception {
        String script = Files.readString(ServiceConfig.root().resolve("digits"));
        List<String> readme = Files.readAllLines(ServiceConfig.root().resolve("README.md"));
        Map<String, String> rows = new LinkedHashMap<>();
        for (String purpose : List.of("run", "cluster", "bench", "all")) {
            rows.put(
                    purpose,
                    readme.stream()
                            .filter(l -> l.contains("| `" + purpose + "` |"))
                            .findFirst()
                            .orElseThrow(() -> new AssertionError("no README row for " + purpose)));
        }
        assertThat(packages(script, "RUN_PACKAGES"))
                .allSatisfy(p -> assertThat(rows.get("run")).contains(p));
        assertThat(packages(script, "CLUSTER_PACKAGES"))
                .allSatisfy(p -> assertThat(rows.get("cluster")).contains(p));
        assertThat(packages(script, "BENCH_PACKAGES"))
                .allSatisfy(p -> assertThat(rows.get("bench")).contains(p));
        assertThat(packages(script, "TEST_PACKAGES"))
                .allSatisfy(p -> assertThat(rows.get("all")).contains(p));
        assertThat(packages(script, "PROMTOOL_PACKAGES"))
                .allSatisfy(p -> assertThat(rows.get("all")).contains(p));
        // the pipeline installs nothing that only the tests, the cluster mode or the benchmarks use
        assertThat(packages(script, "RUN_PACKAGES"))
                .doesNotContainAnyElementsOf(packages(script, "TEST_PACKAGES"))
                .doesNotContain("docker.io", "chromium", "mmdebstrap", "haproxy", "python3-torch");
        assertThat(Files.readString(ServiceConfig.root().resolve(".ci/run")))
                .contains("./digits deps all");
    }
}
