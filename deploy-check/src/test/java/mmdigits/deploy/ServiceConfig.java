package mmdigits.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a service's application.properties and @ConfigMapping say: its port and the keys it reads.
 */
record ServiceConfig(String name, int port, Set<String> keys) {
    static final List<String> SERVICES =
            List.of("ingest-service", "trainer-service", "inference-service", "viz-service");

    /** Environment variables that are not config keys of ours but are set on purpose everywhere. */
    static final Set<String> PROCESS_ENV =
            Set.of(
                    "ORT_DISABLE_TELEMETRY",
                    "OPT_OUT_TRACKING",
                    "DNNL_MAX_CPU_ISA",
                    "JAVA_OPTS",
                    "DEMO_TRAIN",
                    "DEMO_TEST",
                    "PYTORCH_LIBRARY_PATH",
                    "PYTORCH_VERSION",
                    "PYTORCH_FLAVOR",
                    "HOME");

    /** Quarkus keys every service understands. */
    static final Set<String> QUARKUS =
            Set.of("quarkus.http.port", "quarkus.http.host", "quarkus.log.level");

    static Path root() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docker-compose.yml"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "no docker-compose.yml above " + System.getProperty("user.dir"));
        }
        return dir;
    }

    static Map<String, ServiceConfig> all() throws IOException {
        Map<String, ServiceConfig> out = new LinkedHashMap<>();
        for (String s : SERVICES) {
            out.put(s, load(root(), s));
        }
        return out;
    }

    /**
     * Keys: every property (also commented-out examples) plus the @ConfigMapping methods of the
     * config interface.
     */
    static ServiceConfig load(Path root, String service) throws IOException {
        Path props = root.resolve(service).resolve("src/main/resources/application.properties");
        Set<String> keys = new HashSet<>(QUARKUS);
        int port = -1;
        for (String line : Files.readAllLines(props)) {
            Matcher m =
                    Pattern.compile("^#?\\s*([a-z][a-zA-Z0-9.\"_-]*)\\s*=(.*)$")
                            .matcher(line.trim());
            if (m.matches() && !line.trim().startsWith("%")) {
                keys.add(m.group(1));
                if (m.group(1).equals("quarkus.http.port")) {
                    port = Integer.parseInt(m.group(2).trim());
                }
            }
        }
        // @ConfigMapping interfaces: prefix + kebab-case of each method, nested interfaces by their
        // method name
        try (var files = Files.walk(root.resolve(service).resolve("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith("Config.java")).toList()) {
                String src = Files.readString(f);
                Matcher prefix =
                        Pattern.compile("@ConfigMapping\\(prefix = \"([a-z.-]+)\"\\)").matcher(src);
                if (!prefix.find()) {
                    continue;
                }
                keys.addAll(mappingKeys(src, prefix.group(1)));
            }
        }
        return new ServiceConfig(service, port, keys);
    }

    /**
     * Flattens methods of a mapping source: nested group methods (returning an interface type)
     * become prefixes.
     */
    static Set<String> mappingKeys(String src, String prefix) {
        Set<String> keys = new HashSet<>();
        Map<String, String> groups = new LinkedHashMap<>(); // method -> interface
        Matcher g = Pattern.compile("\\n\\s+([A-Z][A-Za-z]+) ([a-z][A-Za-z]*)\\(\\);").matcher(src);
        while (g.find()) {
            if (src.contains("interface " + g.group(1) + " {")) {
                groups.put(g.group(2), g.group(1));
            }
        }
        // methods at top level and inside each nested interface
        Matcher iface = Pattern.compile("interface ([A-Z][A-Za-z]+) \\{").matcher(src);
        Map<String, Integer> starts = new LinkedHashMap<>();
        while (iface.find()) {
            starts.put(iface.group(1), iface.end());
        }
        Matcher method =
                Pattern.compile("\\n\\s+[A-Za-z<>.]+ ([a-z][A-Za-z]*)\\(\\);").matcher(src);
        while (method.find()) {
            String owner = null;
            int best = -1;
            for (var e : starts.entrySet()) {
                if (e.getValue() < method.start() && e.getValue() > best) {
                    best = e.getValue();
                    owner = e.getKey();
                }
            }
            String name = kebab(method.group(1));
            if (groups.containsKey(method.group(1))) {
                continue;
            }
            String group = null;
            for (var e : groups.entrySet()) {
                if (e.getValue().equals(owner)) {
                    group = kebab(e.getKey());
                }
            }
            keys.add(prefix + "." + (group == null ? "" : group + ".") + name);
        }
        return keys;
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** MicroProfile Config's environment form of a key: non-alphanumerics to '_', upper case. */
    static String env(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    boolean readsEnv(String variable) {
        return PROCESS_ENV.contains(variable)
                || keys.stream().anyMatch(k -> env(k).equals(variable));
    }
}
