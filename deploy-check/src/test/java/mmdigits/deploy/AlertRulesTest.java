package mmdigits.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The alert rules are code (deploy/monitoring/alerts.yml), and this is their build: Prometheus' own
 * tool accepts the rules and compose's Prometheus configurations, the unit tests beside them pass
 * ({@code promtool test rules}), every alert has a case where it fires and one where it does not,
 * every alert tells the operator how bad it is and where to read what to do (a heading of
 * docs/operations.md), and the production overlay's PrometheusRule carries exactly the file's
 * groups, so that Kubernetes and compose alert alike. Without promtool it fails rather than skips:
 * {@code ./digits deps all} installs it (Debian's prometheus package).
 */
class AlertRulesTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final String RULES = "deploy/monitoring/alerts.yml";
    static final String TESTS = "deploy/monitoring/alerts-test.yml";
    static final List<String> CONFIGS =
            List.of("deploy/monitoring/prometheus.yml", "deploy/monitoring/prometheus-cluster.yml");
    static final String RUNBOOK = "docs/operations.md";

    /** One promtool run: its exit code and output (stdout and stderr). */
    record Run(int exitCode, String output) {}

    @Test
    void promtoolAcceptsTheRulesAndComposesConfigurations() throws Exception {
        Run rules = promtool("check", "rules", RULES);
        assertThat(rules.exitCode())
                .as("promtool check rules %s:%n%s", RULES, rules.output())
                .isZero();
        assertThat(rules.output())
                .contains("SUCCESS: " + alerts(read(RULES)).size() + " rules found");
        for (String config : CONFIGS) {
            Run r = promtool("check", "config", config);
            assertThat(r.exitCode())
                    .as("promtool check config %s:%n%s", config, r.output())
                    .isZero();
            // the configuration loads the same rule file
            assertThat(r.output()).contains("SUCCESS: 1 rule files found");
        }
    }

    @Test
    void theUnitTestsOfEveryRulePass() throws Exception {
        Run r = promtool("test", "rules", TESTS);
        assertThat(r.exitCode()).as("promtool test rules %s:%n%s", TESTS, r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS");
    }

    @Test
    void everyAlertHasACaseWhereItFiresAndOneWhereItDoesNot() throws Exception {
        JsonNode tests = read(TESTS);
        assertThat(tests.get("rule_files"))
                .extracting(JsonNode::asText)
                .containsExactly("alerts.yml");
        assertThat(untested(read(RULES), tests)).isEmpty();
    }

    @Test
    void anAlertWithoutTestsOrWithoutANonFiringCaseFails() throws Exception {
        JsonNode rules = read(RULES);
        ArrayNode group = (ArrayNode) rules.at("/groups/0/rules");
        group.addObject().put("alert", "Untested").put("expr", "vector(1)");
        JsonNode tests = read(TESTS);
        for (JsonNode t : tests.get("tests")) {
            // the cases where ServiceDown does not fire, gone
            if (!(t.get("alert_rule_test") instanceof ArrayNode cases)) {
                continue;
            }
            for (int i = cases.size() - 1; i >= 0; i--) {
                if (cases.get(i).get("alertname").asText().equals("ServiceDown")
                        && cases.get(i).path("exp_alerts").isEmpty()) {
                    cases.remove(i);
                }
            }
        }
        assertThat(untested(rules, tests))
                .containsExactly(
                        "ServiceDown has no case where it does not fire",
                        "Untested has no case where it fires",
                        "Untested has no case where it does not fire");
    }

    @Test
    void everyAlertSaysHowBadItIsAndWhereToReadWhatToDo() throws Exception {
        Set<String> headings = anchors(Files.readString(ServiceConfig.root().resolve(RUNBOOK)));
        for (JsonNode alert : alerts(read(RULES))) {
            String name = alert.get("alert").asText();
            assertThat(alert.path("labels").path("severity").asText())
                    .as("%s severity", name)
                    .isIn("warning", "critical");
            assertThat(alert.path("for").asText()).as("%s for", name).matches("\\d+[smh]");
            assertThat(alert.path("annotations").path("summary").asText())
                    .as("%s summary", name)
                    .isNotBlank();
            assertThat(alert.path("annotations").path("description").asText())
                    .as("%s description", name)
                    .isNotBlank();
            String runbook = alert.path("annotations").path("runbook_url").asText();
            assertThat(runbook)
                    .as("%s runbook_url", name)
                    .isEqualTo(RUNBOOK + "#" + name.toLowerCase(Locale.ROOT));
            assertThat(headings)
                    .as("a heading of %s for %s", RUNBOOK, name)
                    .contains(runbook.substring(runbook.indexOf('#') + 1));
        }
    }

    @Test
    void theProductionOverlaysPrometheusRuleCarriesTheFilesGroups() throws Exception {
        List<JsonNode> rules =
                KubernetesTest.render("production").stream()
                        .filter(d -> d.get("kind").asText().equals("PrometheusRule"))
                        .toList();
        assertThat(rules).hasSize(1);
        JsonNode file = read(RULES);
        assertThat(file.properties()).extracting(e -> e.getKey()).containsExactly("groups");
        assertThat(rules.get(0).at("/spec/groups"))
                .as(
                        "the PrometheusRule's spec.groups against %s: copy them over with the command in"
                                + " deploy/components/monitoring/prometheus-rule.yaml",
                        RULES)
                .isEqualTo(file.get("groups"));
    }

    /** What the unit tests leave out: an alert without a firing case or without a silent one. */
    static List<String> untested(JsonNode rules, JsonNode tests) {
        Set<String> fires = new LinkedHashSet<>();
        Set<String> silent = new LinkedHashSet<>();
        List<String> exprs = new ArrayList<>();
        for (JsonNode t : tests.get("tests")) {
            for (JsonNode c : t.path("alert_rule_test")) {
                (c.path("exp_alerts").isEmpty() ? silent : fires).add(c.get("alertname").asText());
            }
            t.path("promql_expr_test").forEach(c -> exprs.add(c.get("expr").asText()));
        }
        List<String> problems = new ArrayList<>();
        for (JsonNode rule : rules(rules)) {
            if (rule.has("record")) {
                String name = rule.get("record").asText();
                if (exprs.stream().noneMatch(e -> e.contains(name))) {
                    problems.add(name + " has no promql_expr_test");
                }
                continue;
            }
            String name = rule.get("alert").asText();
            if (!fires.contains(name)) {
                problems.add(name + " has no case where it fires");
            }
            if (!silent.contains(name)) {
                problems.add(name + " has no case where it does not fire");
            }
        }
        return problems;
    }

    static List<JsonNode> rules(JsonNode file) {
        List<JsonNode> out = new ArrayList<>();
        file.get("groups").forEach(g -> g.get("rules").forEach(out::add));
        return out;
    }

    static List<JsonNode> alerts(JsonNode file) {
        return rules(file).stream().filter(r -> r.has("alert")).toList();
    }

    /** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as -. */
    static Set<String> anchors(String markdown) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = Pattern.compile("(?m)^#{1,6} +(.+?) *$").matcher(markdown);
        while (m.find()) {
            out.add(
                    m.group(1)
                            .toLowerCase(Locale.ROOT)
                            .replaceAll("[^\\p{L}\\p{N} _-]", "")
                            .replace(' ', '-'));
        }
        return out;
    }

    static JsonNode read(String file) throws IOException {
        JsonNode tree = YAML.readTree(ServiceConfig.root().resolve(file).toFile());
        assertThat(tree).as(file).isInstanceOf(ObjectNode.class);
        return tree;
    }

    /** promtool on the PATH, run in the repository's root; fails the test when it is missing. */
    static Run promtool(String... args) throws Exception {
        Optional<Path> tool = onPath("promtool");
        assertThat(tool)
                .as(
                        "promtool is missing: ./digits deps all installs it (Debian's prometheus"
                                + " package; its daemon is not started)")
                .isPresent();
        List<String> cmd = new ArrayList<>(List.of(tool.get().toString()));
        cmd.addAll(List.of(args));
        Process p =
                new ProcessBuilder(cmd)
                        .directory(ServiceConfig.root().toFile())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as(String.join(" ", cmd)).isTrue();
        return new Run(p.exitValue(), out);
    }

    static Optional<Path> onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, program))
                .filter(Files::isExecutable)
                .findFirst();
    }
}
