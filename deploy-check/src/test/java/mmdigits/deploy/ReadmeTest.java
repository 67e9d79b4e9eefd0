package mmdigits.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
}
