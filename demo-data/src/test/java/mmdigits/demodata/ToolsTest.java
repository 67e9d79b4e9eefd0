package mmdigits.demodata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ToolsTest {
    @Test
    void missingToolNamesTheInstallCommand() {
        Tools.INSTALL
                .keySet()
                .forEach(t -> assertThat(Tools.INSTALL.get(t)).startsWith("apt-get install -y "));
        assertThatThrownBy(() -> Tools.require("no-such-tts-engine"))
                .isInstanceOf(Tools.MissingToolException.class)
                .hasMessageStartingWith(
                        "no-such-tts-engine not found on PATH: install it with 'apt-get install -y no-such-tts-engine'");
        assertThat(Tools.missing("npm"))
                .isEqualTo(
                        "npm not found on PATH: install it with 'apt-get install -y npm'"
                                + " (as root; ./digits deps installs everything the project needs)");
        assertThat(Tools.available("sh")).isTrue();
    }
}
