package mmdigits.localkafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cluster's directory: made once, read by every node and by the setup step. */
class ClusterSpecTest {
    @TempDir Path tmp;

    @Test
    void madeOnceOnTheGivenPortsAndKeptAfterwards() throws Exception {
        Path dir = tmp.resolve("cluster");
        ClusterSpec made = ClusterSpec.init(dir, 3, 19092);
        assertThat(made.nodes())
                .containsExactly(
                        new ClusterSpec.Node(1, 19092, 19093, 19094),
                        new ClusterSpec.Node(2, 19095, 19096, 19097),
                        new ClusterSpec.Node(3, 19098, 19099, 19100));
        assertThat(made.bootstrapServers())
                .isEqualTo("127.0.0.1:19092,127.0.0.1:19095,127.0.0.1:19098");
        assertThat(made.quorumVoters())
                .isEqualTo("1@127.0.0.1:19094,2@127.0.0.1:19097,3@127.0.0.1:19100");
        assertThat(made.clusterId()).hasSize(22).doesNotStartWith("-");

        ClusterSpec again = ClusterSpec.init(dir, 3, 0);
        assertThat(again.nodes()).isEqualTo(made.nodes());
        assertThat(again.clusterId()).isEqualTo(made.clusterId());
        assertThat(again.admin().password()).isEqualTo(made.admin().password());
        assertThatThrownBy(() -> ClusterSpec.init(dir, 5, 0))
                .hasMessageContaining("describes 3 nodes, not 5");
    }

    @Test
    void freePortsAreAllDifferent() throws Exception {
        ClusterSpec spec = ClusterSpec.init(tmp.resolve("free"), 3, 0);
        List<Integer> ports =
                spec.nodes().stream()
                        .flatMap(
                                n ->
                                        List.of(
                                                n.clientPort(),
                                                n.replicationPort(),
                                                n.controllerPort())
                                                .stream())
                        .toList();
        assertThat(ports).hasSize(9).doesNotHaveDuplicates().allMatch(p -> p > 1024);
    }

    @Test
    void secretsAreTheOwnersOnly() throws Exception {
        ClusterSpec spec = ClusterSpec.init(tmp.resolve("c"), 1, 0);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(spec.secretsDir())))
                .isEqualTo("rwx------");
        for (String file : List.of("admin.jaas", "broker.jaas", "admin.properties")) {
            assertThat(
                            PosixFilePermissions.toString(
                                    Files.getPosixFilePermissions(spec.secretsDir().resolve(file))))
                    .as(file)
                    .isEqualTo("rw-------");
        }
        assertThat(spec.admin().username()).isEqualTo("admin");
        assertThat(spec.broker().username()).isEqualTo("broker");
        assertThat(spec.admin().password()).hasSize(32).isNotEqualTo(spec.broker().password());
        Map<String, String> admin = spec.adminProperties();
        assertThat(admin)
                .containsEntry("bootstrap.servers", spec.bootstrapServers())
                .containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry(
                        "sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required"
                                + " username=\"admin\" password=\""
                                + spec.admin().password()
                                + "\";");
    }

    @Test
    void credentialsReadBackFromTheirJaasLine() throws Exception {
        Credential c = Credential.random("mmdigits-ingest");
        Path file = c.write(tmp.resolve("users"));
        assertThat(file).hasFileName("mmdigits-ingest.jaas");
        assertThat(Files.readString(file))
                .isEqualTo(
                        "org.apache.kafka.common.security.scram.ScramLoginModule required"
                                + " username=\"mmdigits-ingest\" password=\""
                                + c.password()
                                + "\";\n");
        assertThat(Credential.read(tmp.resolve("users"), "mmdigits-ingest")).isEqualTo(c);
        assertThat(c.toString()).doesNotContain(c.password());
        assertThatThrownBy(() -> Credential.parse("ScramLoginModule required;"))
                .hasMessageContaining("not a sasl.jaas.config line");
    }
}
