package mmdigits.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElsewhereTest {

    @Test
    void everyClaimHoldsInTheClone() throws Exception {
        Path root = ServiceConfig.root();
        List<String> broken = new ArrayList<>();
        for (Elsewhere.Claim c : Elsewhere.CLAIMS) {
            Elsewhere.broken(root, c).ifPresent(broken::add);
        }
        assertThat(broken).isEmpty();
    }

    @Test
    void everyDocsCommandOutsideTheQuickLooksReachIsClaimed() throws Exception {
        Path root = ServiceConfig.root();
        List<String> commands =
                Readme.commands(root, Readme.pages(root)).stream()
                        .map(Readme.Command::plain)
                        .toList();
        assertThat(commands)
                .filteredOn(c -> c.startsWith("docker compose") || c.startsWith("kubectl"))
                .isNotEmpty()
                .allSatisfy(c -> assertThat(Elsewhere.claim(c)).as(c).isPresent());
        assertThat(Elsewhere.claim("./digits run")).isPresent();
        assertThat(Elsewhere.claim("./digits run --train 2000 --test 500 --epochs 1 --keep"))
                .as("the quick look runs in ReadmeIT, it is claimed by nothing else")
                .isEmpty();
    }

    @Test
    void aClaimFailsWhenItsTestOrTheCommandInItIsGone(@TempDir Path tmp) throws Exception {
        Files.writeString(
                tmp.resolve("SomeIT.java"),
                String.join(
                        "\n",
                        "class SomeIT {",
                        "    @Test",
                        "    @Order(1)",
                        "    void runsIt() throws Exception {",
                        "        compose(\"up\", \"-d\");",
                        "    }",
                        "",
                        "    static void helper() {",
                        "        compose(\"down\", \"-v\");",
                        "    }",
                        "",
                        "    void notATest() {",
                        "        compose(\"down\", \"-v\");",
                        "    }",
                        "}",
                        ""));
        assertThat(claim(tmp, "runsIt", "compose(\"up\", \"-d\")")).isEmpty();
        assertThat(claim(tmp, "runsIt", "compose(\"down\", \"-v\")"))
                .hasValue("SomeIT.java#runsIt does not contain compose(\"down\", \"-v\")");
        assertThat(claim(tmp, "notATest", "compose(\"down\", \"-v\")"))
                .hasValue("SomeIT.java has no test method notATest");
        assertThat(claim(tmp, "gone", "x")).hasValue("SomeIT.java has no test method gone");
        Files.delete(tmp.resolve("SomeIT.java"));
        assertThat(claim(tmp, "runsIt", "compose(\"up\", \"-d\")"))
                .hasValue("SomeIT.java does not exist");
    }

    static Optional<String> claim(Path root, String method, String evidence) throws Exception {
        return Elsewhere.broken(
                root, Elsewhere.Claim.test("x", "SomeIT.java", method, evidence, "runs"));
    }
}
