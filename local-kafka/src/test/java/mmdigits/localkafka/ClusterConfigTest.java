package mmdigits.localkafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cluster node's broker configuration: security fixed, the deploy YAML's settings applied. */
class ClusterConfigTest {
    @TempDir Path tmp;

    @Test
    void nodeListensOnItsThreePortsWithSaslEverywhere() throws Exception {
        ClusterSpec spec = ClusterSpec.init(tmp.resolve("c"), 3, 20000);
        Credential broker = spec.broker();
        Map<String, String> c =
                LocalKafka.clusterConfig(
                        spec, 2, spec.nodeDir(2), Map.of(), List.of("User:ops"), broker);
        assertThat(c)
                .containsEntry("node.id", "2")
                .containsEntry("process.roles", "broker,controller")
                .containsEntry(
                        "controller.quorum.voters",
                        "1@127.0.0.1:20002,2@127.0.0.1:20005,3@127.0.0.1:20008")
                .containsEntry(
                        "listeners",
                        "CLIENT://127.0.0.1:20003,REPLICATION://127.0.0.1:20004,CONTROLLER://127.0.0.1:20005")
                .containsEntry(
                        "advertised.listeners",
                        "CLIENT://127.0.0.1:20003,REPLICATION://127.0.0.1:20004")
                .containsEntry(
                        "listener.security.protocol.map",
                        "CLIENT:SASL_PLAINTEXT,REPLICATION:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT")
                .containsEntry("inter.broker.listener.name", "REPLICATION")
                .containsEntry("sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512")
                .containsEntry("listener.name.client.sasl.enabled.mechanisms", "SCRAM-SHA-512")
                .containsEntry(
                        "listener.name.replication.scram-sha-512.sasl.jaas.config",
                        broker.jaasConfig())
                .containsEntry("sasl.mechanism.controller.protocol", "PLAIN")
                .containsEntry(
                        "listener.name.controller.plain.sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required"
                                + " username=\"broker\" password=\""
                                + broker.password()
                                + "\" user_broker=\""
                                + broker.password()
                                + "\";")
                .containsEntry(
                        "authorizer.class.name",
                        "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .containsEntry("allow.everyone.if.no.acl.found", "false")
                .containsEntry("super.users", "User:admin;User:broker;User:ops")
                .containsEntry("log.dirs", spec.nodeDir(2).resolve("data").toString());
    }

    @Test
    void theYamlsSettingsReplaceTheSingleNodeDefaultsButNotTheSecurity() throws Exception {
        ClusterSpec spec = ClusterSpec.init(tmp.resolve("c"), 3, 0);
        Map<String, String> yaml =
                Map.of(
                        "min.insync.replicas", "2",
                        "offsets.topic.replication.factor", "3",
                        "authorizer.class.name", "none");
        Map<String, String> c =
                LocalKafka.clusterConfig(spec, 1, spec.nodeDir(1), yaml, List.of(), spec.broker());
        assertThat(c)
                .containsEntry("min.insync.replicas", "2")
                .containsEntry("offsets.topic.replication.factor", "3")
                // the YAML says nothing: the single-node default
                .containsEntry("transaction.state.log.min.isr", "1")
                .containsEntry("message.max.bytes", "67108864")
                .containsEntry(
                        "authorizer.class.name",
                        "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    }

    @Test
    void theSingleNodeConfigurationIsUnchanged() {
        Map<String, String> c = LocalKafka.config(tmp, "127.0.0.1", 9092, 9093);
        assertThat(c)
                .containsEntry(
                        "listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093")
                .containsEntry(
                        "listener.security.protocol.map",
                        "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT")
                .containsEntry("offsets.topic.replication.factor", "1")
                .doesNotContainKey("authorizer.class.name")
                .doesNotContainKey("super.users");
    }
}
