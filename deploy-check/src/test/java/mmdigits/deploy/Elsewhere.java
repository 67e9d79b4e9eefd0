package mmdigits.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The docs' commands that {@link ReadmeIT} does not run, each with the named test method that runs
 * or checks it, or — for the full-size run alone — the docs' own statement that it is measured by
 * hand. A claim holds only when its file exists, the method is a test (or its set-up) in it, and
 * the method's text holds the evidence (the command line, or the call that runs it): deleting or
 * renaming the test makes {@link ReadmeIT} fail.
 */
final class Elsewhere {

    /**
     * One command pattern and where it is covered: {@code method} in {@code file} holds {@code
     * evidence}; with no method, the file itself holds it (a script, or the docs' statement).
     */
    record Claim(Pattern command, String file, String method, String evidence, String how) {
        static Claim test(String command, String file, String method, String evidence, String how) {
            return new Claim(Pattern.compile(command), file, method, evidence, how);
        }

        static Claim file(String command, String file, String evidence, String how) {
            return new Claim(Pattern.compile(command), file, null, evidence, how);
        }
    }

    static final String DEPLOY = "deploy-check/src/test/java/mmdigits/deploy/";

    static final List<Claim> CLAIMS =
            List.of(
                    Claim.file(
                            "\\./mvnw -B verify",
                            ".ci/run",
                            "\n./mvnw -B verify\n",
                            "CI's entry point runs it"),
                    Claim.file(
                            "\\./digits run",
                            "README.md",
                            "The full-size `./digits run` is **not** run by CI",
                            "measured by hand; CI runs the quick look with an accuracy floor"),
                    // up is the first step of run --cluster
                    Claim.test(
                            "\\./digits (up|run) --cluster.*",
                            "faults/src/test/java/mmdigits/faults/TwoDatasetsIT.java",
                            "theClusterModeEndsWithTheSameResultsAsTheSingleBroker",
                            "ClusterRunMode.with(\"--cluster\", QUICK)",
                            "runs"),
                    Claim.test(
                            "\\./digits token > /dev/null",
                            DEPLOY + "ComposeIT.java",
                            "upWithTheDemoSet",
                            "\" token > /dev/null\"",
                            "runs"),
                    Claim.test(
                            "docker compose --env-file secrets/compose.env up --build",
                            DEPLOY + "ComposeIT.java",
                            "upWithTheDemoSet",
                            "compose(PROJECT, Duration.ofMinutes(5), \"up\", \"-d\")",
                            "runs (docker-compose 1.29, build then up -d)"),
                    Claim.test(
                            "DIGITS_DATA=\\S+ docker compose --env-file secrets/compose.env up --build",
                            DEPLOY + "ComposeIT.java",
                            "upWithTheDemoSet",
                            ".with(\"DIGITS_DATA\", data.toString())",
                            "runs"),
                    Claim.test(
                            "docker compose --env-file secrets/compose.env down -v",
                            DEPLOY + "ComposeIT.java",
                            "downLeavesNothing",
                            "compose(PROJECT, Duration.ofMinutes(3), \"down\", \"-v\")",
                            "runs"),
                    // no GPU here: the merged files are validated by docker-compose config
                    Claim.test(
                            "docker compose --env-file secrets/compose.env -f docker-compose.yml -f docker-compose.gpu.yml up --build",
                            DEPLOY + "ComposeTest.java",
                            "dockerComposeConfigAcceptsTheFiles",
                            "List.of(\"docker-compose.yml\", \"docker-compose.gpu.yml\")",
                            "validates (docker-compose config)"),
                    // validated in every build; run for real with -Dcompose.cluster=true
                    Claim.test(
                            "docker compose --env-file secrets/compose.env -f docker-compose.yml -f docker-compose.cluster.yml up --build",
                            DEPLOY + "ComposeTest.java",
                            "dockerComposeConfigAcceptsTheFiles",
                            "List.of(\"docker-compose.yml\", \"docker-compose.cluster.yml\")",
                            "validates (docker-compose config)"),
                    // no cluster here: the manifests are rendered and every pod's secrets checked
                    Claim.test(
                            "kubectl create secret generic mmdigits-keys .*",
                            DEPLOY + "KubernetesTest.java",
                            "everyOverlayRendersIntoValidConsistentDocuments",
                            "checkSecurity(name, pod, c, overlay)",
                            "validates (the Secrets the pods mount)"),
                    Claim.test(
                            "kubectl apply -k deploy/overlays/(local|production|production-keda|gpu)",
                            DEPLOY + "KubernetesTest.java",
                            "everyOverlayRendersIntoValidConsistentDocuments",
                            "@ValueSource(strings = {\"local\", \"production\", \"production-keda\", \"gpu\"})",
                            "validates (kubectl kustomize, typed models)"));

    private Elsewhere() {}

    /** The claim for a command, if any. */
    static Optional<Claim> claim(String command) {
        return CLAIMS.stream().filter(c -> c.command().matcher(command).matches()).findFirst();
    }

    /** Why a claim does not hold, or empty when it does. */
    static Optional<String> broken(Path root, Claim c) throws IOException {
        Path file = root.resolve(c.file());
        if (!Files.isRegularFile(file)) {
            return Optional.of(c.file() + " does not exist");
        }
        String text = Files.readString(file);
        String where = c.file();
        if (c.method() != null) {
            Optional<String> method = testMethod(text, c.method());
            if (method.isEmpty()) {
                return Optional.of(c.file() + " has no test method " + c.method());
            }
            text = method.get();
            where = c.file() + "#" + c.method();
        }
        return squeezed(text).contains(squeezed(c.evidence()))
                ? Optional.empty()
                : Optional.of(where + " does not contain " + c.evidence());
    }

    /**
     * A method's text with its annotations, when one of them makes it a test or a test's set-up; it
     * ends where the next member of the class begins.
     */
    static Optional<String> testMethod(String source, String name) {
        Matcher m =
                Pattern.compile(
                                "\\n    (@(Test|ParameterizedTest|BeforeAll|BeforeEach)\\b(?:(?!\\n    [}a-z]).)*?"
                                        + "\\n    (?:static )?void "
                                        + Pattern.quote(name)
                                        + "\\(.*?)(?=\\n    [@a-z/]|\\n}\\s*$)",
                                Pattern.DOTALL)
                        .matcher(source);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Whitespace runs as one space, so that line breaks in the docs do not matter. */
    static String squeezed(String text) {
        return text.replaceAll("\\s+", " ");
    }
}
