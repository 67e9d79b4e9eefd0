package mmdigits.localkafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code apache/kafka} image's environment convention, on the examples of its documentation.
 */
class KafkaEnvTest {

    @Test
    void namesFollowTheImagesConvention() {
        Map<String, String> props =
                KafkaEnv.properties(
                        Map.of(
                                "KAFKA_ABC_DEF",
                                "1",
                                "KAFKA_ABC___DEF",
                                "2",
                                "KAFKA_ABC__DEF",
                                "3",
                                "KAFKA_LOG_DIRS",
                                "/var/lib/kafka/data",
                                "KAFKA_SASL_ENABLED_MECHANISMS",
                                "SCRAM-SHA-512",
                                "KAFKA_LISTENER_NAME_INTERNAL_SCRAM___SHA___512_SASL__JAAS_CONFIG",
                                "x"));
        assertThat(props)
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(
                                "abc.def",
                                "1",
                                "abc-def",
                                "2",
                                "abc_def",
                                "3",
                                "log.dirs",
                                "/var/lib/kafka/data",
                                "sasl.enabled.mechanisms",
                                "SCRAM-SHA-512",
                                "listener.name.internal.scram-sha-512.sasl_jaas.config",
                                "x"));
    }

    @Test
    void launcherVariablesAndOthersAreNotProperties() {
        Map<String, String> props =
                KafkaEnv.properties(
                        Map.of(
                                "KAFKA_HEAP_OPTS",
                                "-Xmx1g",
                                "KAFKA_LOG4J_OPTS",
                                "x",
                                "KAFKA_VERSION",
                                "4.1.1",
                                "CLUSTER_ID",
                                "abc",
                                "PATH",
                                "/bin",
                                "KAFKA_",
                                "empty",
                                "KAFKA_NODE_ID",
                                "1"));
        assertThat(props).containsExactly(Map.entry("node.id", "1"));
    }

    @Test
    void listenersDefaultToTheAdvertisedOnesOnEveryInterface() {
        Map<String, String> props =
                KafkaEnv.properties(
                        Map.of(
                                "KAFKA_ADVERTISED_LISTENERS",
                                "INTERNAL://kafka:29092,EXTERNAL://localhost:9092"));
        assertThat(props)
                .containsEntry("listeners", "INTERNAL://0.0.0.0:29092,EXTERNAL://0.0.0.0:9092");
        Map<String, String> given =
                KafkaEnv.properties(
                        Map.of(
                                "KAFKA_ADVERTISED_LISTENERS",
                                "A://kafka:1",
                                "KAFKA_LISTENERS",
                                "A://:1"));
        assertThat(given).containsEntry("listeners", "A://:1");
    }

    @Test
    void fourUnderscoresAreRefusedWithTheVariable() {
        assertThatThrownBy(() -> KafkaEnv.properties(Map.of("KAFKA_A____B", "1")))
                .hasMessageContaining("KAFKA_A____B")
                .hasMessageContaining("4 underscores");
    }

    @Test
    void clusterIdFromTheEnvironmentOrTheImagesDefault() {
        assertThat(KafkaEnv.clusterId(Map.of("CLUSTER_ID", " MkU3OEVBNTcwNTJENDM2Qk ")))
                .isEqualTo("MkU3OEVBNTcwNTJENDM2Qk");
        assertThat(KafkaEnv.clusterId(Map.of())).isEqualTo(KafkaEnv.DEFAULT_CLUSTER_ID);
    }
}
