package mmdigits.localkafka;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The broker configuration from the environment, by the convention of the {@code apache/kafka}
 * image: every variable {@code KAFKA_<NAME>} is the property whose name is {@code <NAME>}
 * lower-cased, with {@code ___} read as {@code -}, {@code __} as {@code _} and {@code _} as {@code
 * .} ({@code KAFKA_LOG_DIRS} → {@code log.dirs}, {@code KAFKA_ABC__DEF} → {@code abc_def}, {@code
 * KAFKA_ABC___DEF} → {@code abc-def}); the variables of the image's launcher ({@code
 * KAFKA_HEAP_OPTS}, {@code KAFKA_LOG4J_*}, ...) are not properties. Without {@code
 * KAFKA_LISTENERS}, the listeners are the advertised ones on {@code 0.0.0.0}, as the image does.
 * Used by the docker compose test's stand-in for {@code apache/kafka} ({@code LocalKafka
 * --from-env}).
 */
public final class KafkaEnv {
    public static final String PREFIX = "KAFKA_";

    /**
     * The cluster id of a fresh storage directory without {@code CLUSTER_ID}: the one the image
     * uses.
     */
    public static final String DEFAULT_CLUSTER_ID = "5L6g3nShT-eMCtK--X86sw";

    private static final Set<String> LAUNCHER_VARIABLES =
            Set.of(
                    "KAFKA_VERSION",
                    "KAFKA_HEAP_OPTS",
                    "KAFKA_OPTS",
                    "KAFKA_JMX_OPTS",
                    "KAFKA_JMX_PORT",
                    "KAFKA_JMX_HOSTNAME",
                    "KAFKA_JVM_PERFORMANCE_OPTS",
                    "KAFKA_GC_LOG_OPTS",
                    "KAFKA_LOG4J_OPTS",
                    "KAFKA_LOG4J_ROOT_LOGLEVEL",
                    "KAFKA_LOG4J_LOGGERS",
                    "KAFKA_TOOLS_LOG4J_LOGLEVEL");
    private static final Pattern UNDERSCORES = Pattern.compile("_+");
    private static final Pattern LISTENER_HOST = Pattern.compile("://[^:,]*:");

    private KafkaEnv() {}

    /**
     * The broker properties the {@code KAFKA_*} variables of {@code env} name, sorted by property.
     */
    public static Map<String, String> properties(Map<String, String> env) {
        Map<String, String> props = new TreeMap<>();
        env.forEach(
                (name, value) -> {
                    if (name.startsWith(PREFIX)
                            && name.length() > PREFIX.length()
                            && !LAUNCHER_VARIABLES.contains(name)) {
                        props.put(propertyName(name.substring(PREFIX.length())), value);
                    }
                });
        if (!props.containsKey("listeners") && props.containsKey("advertised.listeners")) {
            props.put(
                    "listeners",
                    LISTENER_HOST
                            .matcher(props.get("advertised.listeners"))
                            .replaceAll("://0.0.0.0:"));
        }
        return props;
    }

    /**
     * {@code LOG_DIRS} → {@code log.dirs}, {@code A__B} → {@code a_b}, {@code A___B} → {@code a-b}.
     */
    static String propertyName(String variable) {
        Matcher m = UNDERSCORES.matcher(variable.toLowerCase(Locale.ROOT));
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String run = m.group();
            String replacement =
                    switch (run.length()) {
                        case 1 -> ".";
                        case 2 -> "_";
                        case 3 -> "-";
                        default ->
                                throw new IllegalArgumentException(
                                        PREFIX
                                                + variable
                                                + ": a run of "
                                                + run.length()
                                                + " underscores names no property character (_ . __ _ ___ -)");
                    };
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** {@code CLUSTER_ID} from the environment, or the image's default. */
    public static String clusterId(Map<String, String> env) {
        String id = env.get("CLUSTER_ID");
        return id == null || id.isBlank() ? DEFAULT_CLUSTER_ID : id.trim();
    }
}
