package mmdigits.localkafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import mmdigits.localkafka.StrimziResources.Topic;
import mmdigits.localkafka.StrimziResources.User;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** The Strimzi resources of a rendered deploy tree, read as the operators read them. */
class StrimziResourcesTest {
    private static final String KAFKA =
            """
            apiVersion: kafka.strimzi.io/v1beta2
            kind: Kafka
            metadata:
              name: digits
            spec:
              kafka:
                authorization:
                  type: simple
                  superUsers: [ops, "User:root"]
                config:
                  default.replication.factor: 3
                  min.insync.replicas: 2
                  unclean.leader.election.enable: false
                  listeners: "PLAINTEXT://:9092"
                  super.users: "User:anyone"
                  allow.everyone.if.no.acl.found: true
                  controller.quorum.fetch.timeout.ms: 4000
            ---
            apiVersion: kafka.strimzi.io/v1beta2
            kind: KafkaNodePool
            metadata:
              name: dual-role
              labels: {strimzi.io/cluster: digits}
            spec:
              replicas: 3
              roles: [controller, broker]
            ---
            apiVersion: kafka.strimzi.io/v1beta2
            kind: KafkaNodePool
            metadata:
              name: controllers
              labels: {strimzi.io/cluster: digits}
            spec:
              replicas: 5
              roles: [controller]
            """;

    @Test
    void brokerSettingsAreTheKafkasConfigWithoutWhatTheOperatorOwns() {
        StrimziResources r = StrimziResources.parse(KAFKA);
        assertThat(r.brokerConfig())
                .containsExactly(
                        Map.entry("default.replication.factor", "3"),
                        Map.entry("min.insync.replicas", "2"),
                        Map.entry("unclean.leader.election.enable", "false"),
                        Map.entry("controller.quorum.fetch.timeout.ms", "4000"));
        assertThat(r.notes())
                .containsExactly(
                        "Kafka digits: listeners is left out (the operator owns it)",
                        "Kafka digits: super.users is left out (the operator owns it)",
                        "Kafka digits: allow.everyone.if.no.acl.found is left out (the operator owns"
                                + " it)");
        assertThat(r.superUsers()).containsExactly("User:ops", "User:root");
        assertThat(r.brokerNodes()).hasValue(3);
    }

    @Test
    void topicsTakeTheirNameFromTopicNameOrTheResource() {
        StrimziResources r =
                StrimziResources.parse(
                        """
                        apiVersion: kafka.strimzi.io/v1beta2
                        kind: KafkaTopic
                        metadata: {name: digits-models}
                        spec:
                          topicName: digits.models
                          partitions: 1
                          replicas: 3
                          config:
                            cleanup.policy: compact
                            max.message.bytes: 67108864
                            min.insync.replicas: "2"
                            follower.replication.throttled.replicas: ["0:1", "0:2"]
                        ---
                        apiVersion: kafka.strimzi.io/v1beta2
                        kind: KafkaTopic
                        metadata: {name: plain}
                        spec: {}
                        ---
                        apiVersion: v1
                        kind: ConfigMap
                        metadata: {name: not-strimzi}
                        """);
        assertThat(r.topics())
                .containsExactly(
                        new Topic(
                                "digits.models",
                                Optional.of(1),
                                Optional.of((short) 3),
                                Map.of(
                                        "cleanup.policy",
                                        "compact",
                                        "max.message.bytes",
                                        "67108864",
                                        "min.insync.replicas",
                                        "2",
                                        "follower.replication.throttled.replicas",
                                        "0:1,0:2")),
                        new Topic("plain", Optional.empty(), Optional.empty(), Map.of()));
        assertThat(r.brokerConfig()).isEmpty();
        assertThat(r.brokerNodes()).isEmpty();
    }

    @Test
    void aclsBecomeOneBindingPerOperation() {
        User u =
                StrimziResources.parse(
                                """
                                apiVersion: kafka.strimzi.io/v1beta2
                                kind: KafkaUser
                                metadata: {name: svc}
                                spec:
                                  authentication: {type: scram-sha-512}
                                  authorization:
                                    type: simple
                                    acls:
                                      - resource: {type: topic, name: t}
                                        operations: [Read, DescribeConfigs]
                                      - resource: {type: group, name: svc-, patternType: prefix}
                                        operation: Read
                                        host: 10.0.0.1
                                      - resource: {type: transactionalId, name: svc, patternType: literal}
                                        operations: [Write]
                                        type: deny
                                      - resource: {type: cluster}
                                        operations: [IdempotentWrite]
                                """)
                        .users()
                        .get(0);
        assertThat(u.name()).isEqualTo("svc");
        assertThat(u.scram()).isTrue();
        assertThat(u.acls())
                .containsExactly(
                        allow(ResourceType.TOPIC, "t", PatternType.LITERAL, AclOperation.READ, "*"),
                        allow(
                                ResourceType.TOPIC,
                                "t",
                                PatternType.LITERAL,
                                AclOperation.DESCRIBE_CONFIGS,
                                "*"),
                        allow(
                                ResourceType.GROUP,
                                "svc-",
                                PatternType.PREFIXED,
                                AclOperation.READ,
                                "10.0.0.1"),
                        new AclBinding(
                                new ResourcePattern(
                                        ResourceType.TRANSACTIONAL_ID, "svc", PatternType.LITERAL),
                                new AccessControlEntry(
                                        "User:svc",
                                        "*",
                                        AclOperation.WRITE,
                                        AclPermissionType.DENY)),
                        allow(
                                ResourceType.CLUSTER,
                                "kafka-cluster",
                                PatternType.LITERAL,
                                AclOperation.IDEMPOTENT_WRITE,
                                "*"));
    }

    private static AclBinding allow(
            ResourceType type, String name, PatternType pattern, AclOperation op, String host) {
        return new AclBinding(
                new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:svc", host, op, AclPermissionType.ALLOW));
    }

    @Test
    void resourcesOfAnotherClusterAreLeftAlone() {
        StrimziResources r =
                StrimziResources.parse(
                        KAFKA
                                + """
                                ---
                                apiVersion: kafka.strimzi.io/v1beta2
                                kind: KafkaTopic
                                metadata: {name: ours, labels: {strimzi.io/cluster: digits}}
                                spec: {partitions: 1}
                                ---
                                apiVersion: kafka.strimzi.io/v1beta2
                                kind: KafkaTopic
                                metadata: {name: theirs, labels: {strimzi.io/cluster: other}}
                                spec: {partitions: 1}
                                ---
                                apiVersion: kafka.strimzi.io/v1beta2
                                kind: KafkaUser
                                metadata: {name: unlabelled}
                                spec: {authentication: {type: scram-sha-512}}
                                """);
        assertThat(r.topics()).extracting(Topic::name).containsExactly("ours");
        assertThat(r.users()).isEmpty();
        assertThat(r.notes())
                .contains(
                        "KafkaTopic theirs is left alone: labelled strimzi.io/cluster=other, the"
                                + " Kafka is digits",
                        "KafkaUser unlabelled is left alone: labelled strimzi.io/cluster=null, the"
                                + " Kafka is digits");
    }

    @Test
    void whatIsNotPlayedLocallyIsRefusedByName() {
        assertThatThrownBy(() -> StrimziResources.parse(user("{type: tls}", "[]")))
                .hasMessageContaining("KafkaUser u: authentication type 'tls'");
        assertThatThrownBy(
                        () ->
                                StrimziResources.parse(
                                        user(
                                                "{type: scram-sha-512}",
                                                "[{resource: {type: topic, name: t}, operations:"
                                                        + " [Peek]}]")))
                .hasMessageContaining("KafkaUser u: unknown ACL operation 'Peek'");
        assertThatThrownBy(
                        () ->
                                StrimziResources.parse(
                                        user(
                                                "{type: scram-sha-512}",
                                                "[{resource: {type: topic}, operations: [Read]}]")))
                .hasMessageContaining("KafkaUser u: a topic ACL without a name");
        assertThatThrownBy(() -> StrimziResources.parse(KAFKA.replace("type: simple", "type: opa")))
                .hasMessageContaining("spec.kafka.authorization.type is 'opa'");
    }

    private static String user(String authentication, String acls) {
        return """
        apiVersion: kafka.strimzi.io/v1beta2
        kind: KafkaUser
        metadata: {name: u}
        spec:
          authentication: %s
          authorization: {type: simple, acls: %s}
        """
                .formatted(authentication, acls);
    }

    @Test
    void operationNamesMapToKafkasConstants() {
        assertThat(
                        List.of(
                                        "Read",
                                        "Write",
                                        "Create",
                                        "Delete",
                                        "Alter",
                                        "Describe",
                                        "ClusterAction",
                                        "AlterConfigs",
                                        "DescribeConfigs",
                                        "IdempotentWrite",
                                        "All")
                                .stream()
                                .map(o -> StrimziResources.AclRules.operation(o, "test")))
                .containsExactly(
                        AclOperation.READ,
                        AclOperation.WRITE,
                        AclOperation.CREATE,
                        AclOperation.DELETE,
                        AclOperation.ALTER,
                        AclOperation.DESCRIBE,
                        AclOperation.CLUSTER_ACTION,
                        AclOperation.ALTER_CONFIGS,
                        AclOperation.DESCRIBE_CONFIGS,
                        AclOperation.IDEMPOTENT_WRITE,
                        AclOperation.ALL);
    }
}
