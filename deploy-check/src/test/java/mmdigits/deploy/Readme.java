package mmdigits.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shell commands of the README: every {@code ```bash} block, cut into commands as bash would
 * read them (a line ending in {@code \} or {@code |}, or an open quote, continues the command;
 * lines that are only a comment are skipped).
 */
final class Readme {

    /** One command; {@code line} is its first line in the README (1-based). */
    record Command(int block, int line, String text) {
        /** The command without its trailing comment, on one line (for messages and matching). */
        String plain() {
            StringBuilder sb = new StringBuilder();
            Scan s = new Scan();
            for (String l : text.split("\n")) {
                sb.append(s.code(l).strip().replaceAll("\\\\$", "").strip()).append(' ');
            }
            return sb.toString().strip();
        }
    }

    private Readme() {}

    static List<Command> commands(Path readme) throws IOException {
        List<String> lines = Files.readAllLines(readme);
        List<Command> out = new ArrayList<>();
        boolean inBash = false;
        int block = -1;
        StringBuilder current = null;
        int start = 0;
        Scan scan = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!inBash) {
                if (line.strip().equals("```bash")) {
                    inBash = true;
                    block++;
                }
                continue;
            }
            if (current == null && line.strip().equals("```")) {
                inBash = false;
                continue;
            }
            if (current == null) {
                if (line.isBlank() || line.strip().startsWith("#")) {
                    continue;
                }
                current = new StringBuilder();
                start = i + 1;
                scan = new Scan();
            } else {
                current.append('\n');
            }
            current.append(line);
            String code = scan.code(line).stripTrailing();
            if (!scan.inQuote()
                    && !code.endsWith("\\")
                    && !code.endsWith("|")
                    && !code.endsWith("&&")) {
                out.add(new Command(block, start, current.toString()));
                current = null;
            }
        }
        if (current != null || inBash) {
            throw new IllegalStateException(
                    readme + ": a bash block or command does not end (line " + start + ")");
        }
        return out;
    }

    /** Quote state across lines; {@link #code} returns a line without its comment. */
    private static final class Scan {
        private char quote;

        boolean inQuote() {
            return quote != 0;
        }

        String code(String line) {
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (quote == '\'') {
                    if (c == '\'') {
                        quote = 0;
                    }
                } else if (quote == '"') {
                    if (c == '\\') {
                        i++;
                    } else if (c == '"') {
                        quote = 0;
                    }
                } else if (c == '\\') {
                    i++;
                } else if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                    return line.substring(0, i);
                }
            }
            return line;
        }
    }
}
