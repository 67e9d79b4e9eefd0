package mmdigits.demodata;

import java.io.File;
import java.util.Map;

/** External programs the generator runs, and how to install them. */
final class Tools {
    static final Map<String, String> INSTALL =
            Map.of(
                    "espeak-ng", "apt-get install -y espeak-ng",
                    "flite", "apt-get install -y flite",
                    "npm", "apt-get install -y npm");

    private Tools() {}

    static boolean available(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (new File(dir, program).canExecute()) {
                return true;
            }
        }
        return false;
    }

    /**
     * @throws MissingToolException naming the program and the command that installs it
     */
    static void require(String program) {
        if (!available(program)) {
            throw new MissingToolException(missing(program));
        }
    }

    static String missing(String program) {
        String install = INSTALL.getOrDefault(program, "apt-get install -y " + program);
        return program
                + " not found on PATH: install it with '"
                + install
                + "' (as root; ./digits deps installs everything the project needs)";
    }

    static final class MissingToolException extends RuntimeException {
        MissingToolException(String message) {
            super(message);
        }
    }
}
