package mmdigits.localkafka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the nodes of a local cluster authenticate and authorise, as Strimzi sets up a {@code Kafka}
 * with SCRAM-SHA-512 listeners and {@code authorization.type: simple}: three SASL_PLAINTEXT
 * listeners ({@value #CLIENT} for clients, {@value #REPLICATION} between brokers, {@value
 * #CONTROLLER} for the KRaft quorum), Kafka's {@code StandardAuthorizer} with nothing allowed
 * without an ACL, and two super users: the admin (only the setup step logs in as it) and the
 * brokers' own principal.
 *
 * <p>The controller listener uses SASL/PLAIN, not SCRAM: SCRAM credentials live in the metadata log
 * the controllers replicate among themselves, so a controller cannot check a SCRAM login before the
 * quorum has a leader, and the quorum cannot elect one without logging in. Tried with Kafka 4.1.1
 * (3 fresh nodes, the credentials bootstrapped at format, SCRAM-SHA-512 on the controller
 * listener): no node served within 129 s, each logged ~300 "Failed authentication ... invalid
 * credentials with SASL mechanism SCRAM-SHA-512" on its CONTROLLER listener and its Raft state went
 * only Unattached ⇄ Prospective, never Candidate or Leader; with PLAIN the same nodes served after
 * about 20 s. PLAIN checks the login against the listener's own JAAS entry, which holds only the
 * brokers' login.
 */
final class ClusterSecurity {
    static final String CLIENT = "CLIENT";
    static final String REPLICATION = "REPLICATION";
    static final String CONTROLLER = "CONTROLLER";
    static final String AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
    static final String CONTROLLER_MECHANISM = "PLAIN";
    private static final String PLAIN_LOGIN_MODULE =
            "org.apache.kafka.common.security.plain.PlainLoginModule";

    private ClusterSecurity() {}

    /**
     * The listeners' security and the authorizer; {@code superUsers} are added to the admin and the
     * brokers (the {@code Kafka} resource's {@code authorization.superUsers}).
     */
    static Map<String, String> config(Credential broker, List<String> superUsers) {
        Map<String, String> c = new LinkedHashMap<>();
        String sasl = ":" + Credential.SECURITY_PROTOCOL;
        c.put(
                "listener.security.protocol.map",
                CLIENT + sasl + "," + REPLICATION + sasl + "," + CONTROLLER + sasl);
        c.put("inter.broker.listener.name", REPLICATION);
        c.put("controller.listener.names", CONTROLLER);
        c.put("sasl.mechanism.inter.broker.protocol", Credential.MECHANISM);
        c.put("sasl.mechanism.controller.protocol", CONTROLLER_MECHANISM);
        // clients: the server side of SCRAM needs the login module, no login of its own
        scram(c, CLIENT, Credential.SCRAM_LOGIN_MODULE + " required;");
        // between brokers: the broker logs in as itself
        scram(c, REPLICATION, broker.jaasConfig());
        String controller = "listener.name." + CONTROLLER.toLowerCase() + ".";
        c.put(controller + "sasl.enabled.mechanisms", CONTROLLER_MECHANISM);
        c.put(controller + "plain.sasl.jaas.config", plainJaasConfig(broker));
        c.put("authorizer.class.name", AUTHORIZER);
        c.put("allow.everyone.if.no.acl.found", "false");
        List<String> supers = new ArrayList<>();
        supers.add("User:" + ClusterSpec.ADMIN);
        supers.add("User:" + ClusterSpec.BROKER);
        superUsers.stream().filter(u -> !supers.contains(u)).forEach(supers::add);
        c.put("super.users", String.join(";", supers));
        return c;
    }

    private static void scram(Map<String, String> c, String listener, String jaasConfig) {
        String prefix = "listener.name." + listener.toLowerCase() + ".";
        c.put(prefix + "sasl.enabled.mechanisms", Credential.MECHANISM);
        c.put(prefix + Credential.MECHANISM.toLowerCase() + ".sasl.jaas.config", jaasConfig);
    }

    /** The broker's own login on the controller listener, and the only one that listener takes. */
    private static String plainJaasConfig(Credential broker) {
        String login = broker.jaasConfig(PLAIN_LOGIN_MODULE);
        return login.substring(0, login.length() - 1)
                + " user_"
                + broker.username()
                + "=\""
                + broker.password()
                + "\";";
    }

    /**
     * The storage tool's arguments that put the admin's and the brokers' SCRAM credentials into the
     * bootstrap metadata (KIP-900), so that they exist before any node serves.
     */
    static List<String> formatArgs(Credential admin, Credential broker) {
        List<String> args = new ArrayList<>();
        for (Credential c : List.of(admin, broker)) {
            args.add("--add-scram");
            args.add(
                    Credential.MECHANISM
                            + "=[name="
                            + c.username()
                            + ",password="
                            + c.password()
                            + "]");
        }
        return args;
    }
}
