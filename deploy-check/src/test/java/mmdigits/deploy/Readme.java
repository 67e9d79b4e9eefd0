package mmdigits.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The shell commands of the docs (README.md and docs/*.md): every {@code ```bash} block, cut into
 * commands as bash would read them (a line ending in {@code \} or {@code |}, or an open quote,
 * continues the command; lines that are only a comment are skipped).
 */
final class Readme {

    /**
     * One command; {@code page} is the file it is in (relative to the clone), {@code block} the
     * number of its block among all pages read together, {@code line} its first line in the page
     * (1-based).
     */
    record Command(String page, int block, int line, String text) {
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

    /** README.md, then docs/*.md by name: the pages whose commands are run. */
    static List<Path> pages(Path root) throws IOException {
        List<Path> pages = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(p -> p.getFileName().toString().endsWith(".md"))
                    .sorted()
                    .forEach(pages::add);
        }
        return pages;
    }

    /** The commands of several pages, blocks numbered across them. */
    static List<Command> commands(Path root, List<Path> pages) throws IOException {
        List<Command> out = new ArrayList<>();
        for (Path page : pages) {
            int blocks = out.isEmpty() ? 0 : out.get(out.size() - 1).block() + 1;
            out.addAll(commands(page, root.relativize(page).toString(), blocks));
        }
        return out;
    }

    static List<Command> commands(Path readme) throws IOException {
        return commands(readme, readme.getFileName().toString(), 0);
    }

    private static List<Command> commands(Path readme, String page, int firstBlock)
            throws IOException {
        List<String> lines = Files.readAllLines(readme);
        List<Command> out = new ArrayList<>();
        boolean inBash = false;
        int block = firstBlock - 1;
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
                out.add(new Command(page, block, start, current.toString()));
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
