package mmdigits.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The defaults the services run with, read from their source files: a service's {@code
 * application.properties} (profile-free lines) where it sets a key, else the {@code @WithDefault}
 * of its {@code @ConfigMapping} interface or a {@code @ConfigProperty}'s {@code defaultValue}. A
 * key maps to every value it has across the services (the same key may differ, e.g. the body
 * limit).
 */
final class CodeDefaults {
    static final Pattern PROPERTY = Pattern.compile("^([a-z][a-zA-Z0-9.\"/_-]*)\\s*=(.*)$");
    static final Pattern MAPPING = Pattern.compile("@ConfigMapping\\(prefix = \"([a-z.-]+)\"\\)");
    static final Pattern WITH_DEFAULT =
            Pattern.compile(
                    "@WithDefault\\(\"([^\"]*)\"\\)\\s+[A-Za-z<>.]+ ([a-z][A-Za-z]*)\\(\\);");
    static final Pattern GROUP = Pattern.compile("\\n\\s+([A-Z][A-Za-z]+) ([a-z][A-Za-z]*)\\(\\);");
    static final Pattern INTERFACE = Pattern.compile("interface ([A-Z][A-Za-z]+) \\{");
    static final Pattern CONFIG_PROPERTY =
            Pattern.compile(
                    "@ConfigProperty\\(\\s*name = \"([^\"]+)\",\\s*defaultValue = \"([^\"]*)\"\\)");

    private CodeDefaults() {}

    /** Key → the values the services run with when nothing is set. */
    static Map<String, Set<String>> read(Path root) throws IOException {
        Map<String, Set<String>> all = new TreeMap<>();
        for (String service : ServiceConfig.SERVICES) {
            Map<String, String> effective = new HashMap<>();
            for (Path source : javaFiles(root.resolve(service).resolve("src/main/java"))) {
                effective.putAll(annotated(Files.readString(source)));
            }
            effective.putAll(
                    properties(
                            root.resolve(service)
                                    .resolve("src/main/resources/application.properties")));
            effective.forEach((k, v) -> all.computeIfAbsent(k, x -> new TreeSet<>()).add(v));
        }
        // common's settings apply in every service that leaves them unset
        for (Path source : javaFiles(root.resolve("common/src/main/java"))) {
            annotated(Files.readString(source))
                    .forEach((k, v) -> all.computeIfAbsent(k, x -> new TreeSet<>()).add(v));
        }
        return all;
    }

    static Iterable<Path> javaFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    /** The profile-free, placeholder-free settings of an application.properties. */
    static Map<String, String> properties(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            Matcher m = PROPERTY.matcher(line.strip());
            if (m.matches() && !m.group(2).contains("${")) {
                out.put(m.group(1), m.group(2).strip());
            }
        }
        return out;
    }

    /** The defaults a source file declares: @WithDefault of a mapping, @ConfigProperty's. */
    static Map<String, String> annotated(String src) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher property = CONFIG_PROPERTY.matcher(src);
        while (property.find()) {
            out.put(property.group(1), property.group(2));
        }
        Matcher prefix = MAPPING.matcher(src);
        if (prefix.find()) {
            out.putAll(mappingDefaults(src, prefix.group(1)));
        }
        return out;
    }

    /**
     * A mapping's @WithDefault values by key: prefix, then the group method's name for a method of
     * a nested interface, then the method's name, in kebab case.
     */
    static Map<String, String> mappingDefaults(String src, String prefix) {
        Map<String, String> groupOf = new HashMap<>(); // nested interface -> its group's key part
        Matcher g = GROUP.matcher(src);
        while (g.find()) {
            if (src.contains("interface " + g.group(1) + " {")) {
                groupOf.put(g.group(1), ServiceConfig.kebab(g.group(2)) + ".");
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        Matcher d = WITH_DEFAULT.matcher(src);
        while (d.find()) {
            String owner = owner(src, d.start());
            out.put(
                    prefix
                            + "."
                            + groupOf.getOrDefault(owner, "")
                            + ServiceConfig.kebab(d.group(2)),
                    d.group(1));
        }
        return out;
    }

    /** The interface whose body the position is in: the last one opened before it. */
    static String owner(String src, int position) {
        Matcher i = INTERFACE.matcher(src);
        String owner = null;
        while (i.find() && i.end() < position) {
            owner = i.group(1);
        }
        return owner;
    }
}
