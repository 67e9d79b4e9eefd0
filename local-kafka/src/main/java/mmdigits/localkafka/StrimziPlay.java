package mmdigits.localkafka;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;

/**
 * The setup step of a local cluster, our stand-in for Strimzi's Topic and User operators: applies
 * the {@code KafkaTopic} and {@code KafkaUser} resources of the rendered deploy tree as the admin
 * ({@link TopicOperatorPlay}, {@link UserOperatorPlay}). Running it again changes nothing that is
 * already as the resources say.
 *
 * <pre>
 * java -cp ... mmdigits.localkafka.StrimziPlay apply --cluster DIR --yaml rendered.yaml|-
 * java -cp ... mmdigits.localkafka.StrimziPlay apply --admin-config admin.properties --credentials DIR
 *      --yaml rendered.yaml|-
 * java -cp ... mmdigits.localkafka.StrimziPlay broker-config --yaml rendered.yaml|-
 * java -cp ... mmdigits.localkafka.StrimziPlay broker-nodes --yaml rendered.yaml|-
 * </pre>
 *
 * {@code apply} with {@code --cluster} logs in with the admin of the {@link ClusterSpec} in DIR and
 * writes the users' credentials to {@code DIR/users/<user>.jaas}; it prints one line per topic and
 * user, then {@value #DONE}, and exits with 1 when something could not be applied. {@code
 * broker-config} prints the {@code Kafka} resource's broker settings as a node takes them, {@code
 * broker-nodes} the number of broker nodes of its node pools.
 */
public final class StrimziPlay {
    public static final String DONE = "STRIMZI-PLAY DONE";

    private StrimziPlay() {}

    /**
     * Applies the topics and users of {@code deploy} as the admin of {@code adminProperties}
     * (bootstrap included); returns one line per topic and user.
     *
     * @throws IllegalStateException listing what could not be applied (after applying the rest)
     */
    public static List<String> apply(
            Map<String, String> adminProperties, StrimziResources deploy, Path credentialsDir)
            throws InterruptedException, IOException {
        if (deploy.topics().isEmpty() && deploy.users().isEmpty()) {
            // an empty kustomize output would otherwise remove every user
            throw new IllegalArgumentException(
                    "the deploy YAML holds no KafkaTopic and no KafkaUser: nothing to apply");
        }
        Map<String, Object> props = new LinkedHashMap<>(adminProperties);
        props.putIfAbsent("client.id", "strimzi-play");
        try (Admin admin = Admin.create(props)) {
            TopicOperatorPlay topics = new TopicOperatorPlay(admin);
            List<String> done = new ArrayList<>(topics.reconcile(deploy.topics()));
            done.addAll(
                    new UserOperatorPlay(
                                    admin,
                                    credentialsDir,
                                    Set.of(ClusterSpec.ADMIN, ClusterSpec.BROKER))
                            .reconcile(deploy.users()));
            if (!topics.problems().isEmpty()) {
                throw new IllegalStateException(
                        String.join("\n", done)
                                + "\nnot applied:\n"
                                + String.join("\n", topics.problems()));
            }
            return done;
        }
    }

    public static void main(String[] args) throws Exception {
        // the output is the result: Kafka's client logs only what goes wrong
        System.setProperty(
                "org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        if (args.length == 0) {
            usage("a command: apply, broker-config or broker-nodes");
        }
        Map<String, String> options = options(args);
        try {
            run(args[0], options);
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            // what the resources or the cluster refused, by name: no stack trace needed
            System.err.println("strimzi-play: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void run(String command, Map<String, String> options) throws Exception {
        StrimziResources deploy = StrimziResources.read(Path.of(require(options, "--yaml")));
        deploy.notes().forEach(n -> System.out.println("strimzi-play: " + n));
        switch (command) {
            case "apply" -> apply(options, deploy);
            case "broker-config" ->
                    deploy.brokerConfig().forEach((k, v) -> System.out.println(k + "=" + v));
            case "broker-nodes" ->
                    System.out.println(
                            deploy.brokerNodes()
                                    .orElseThrow(
                                            () ->
                                                    new IllegalArgumentException(
                                                            "no KafkaNodePool with the broker"
                                                                    + " role")));
            default -> usage("unknown command " + command);
        }
    }

    private static void apply(Map<String, String> options, StrimziResources deploy)
            throws Exception {
        Map<String, String> admin;
        Path credentials;
        if (options.containsKey("--cluster")) {
            ClusterSpec spec = ClusterSpec.load(Path.of(options.get("--cluster")));
            admin = spec.adminProperties();
            credentials =
                    Path.of(
                            options.getOrDefault(
                                    "--credentials", spec.credentialsDir().toString()));
        } else {
            admin = readProperties(Path.of(require(options, "--admin-config")));
            credentials = Path.of(require(options, "--credentials"));
        }
        apply(admin, deploy, credentials).forEach(l -> System.out.println("strimzi-play: " + l));
        System.out.println(
                DONE + " topics=" + deploy.topics().size() + " users=" + deploy.users().size());
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                usage("options come as --name value: " + args[i]);
            }
            options.put(args[i], args[i + 1]);
        }
        return options;
    }

    private static Map<String, String> readProperties(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> m = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }

    private static String require(Map<String, String> options, String name) {
        String v = options.get(name);
        if (v == null) {
            usage(name + " is needed");
        }
        return v;
    }

    private static void usage(String error) {
        System.err.println("strimzi-play: " + error);
        System.err.println(
                "usage: StrimziPlay apply (--cluster DIR | --admin-config FILE --credentials DIR)"
                        + " --yaml FILE|-\n"
                        + "     | StrimziPlay broker-config --yaml FILE|-\n"
                        + "     | StrimziPlay broker-nodes --yaml FILE|-");
        System.exit(2);
    }
}
