package mmdigits.localkafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * A real 3-node cluster (SASL/SCRAM, StandardAuthorizer) set up from a small deploy YAML by the
 * setup step: two topics (RF 3, min ISR 2), two users with different ACLs. Each user does what its
 * ACLs allow and nothing else, every ACL is used (the authorizer's audit log says which rule let
 * each operation through), the admin may do anything, and acks=all writes survive one node down but
 * not two. The tests run in order on one cluster; the node faults come last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class LocalClusterIT {
    static final String FIXTURE =
            """
            apiVersion: kafka.strimzi.io/v1beta2
            kind: Kafka
            metadata:
              name: test
            spec:
              kafka:
                authorization:
                  type: simple
                config:
                  default.replication.factor: 3
                  min.insync.replicas: 2
                  offsets.topic.replication.factor: 3
                  transaction.state.log.replication.factor: 3
                  transaction.state.log.min.isr: 2
                  unclean.leader.election.enable: false
            ---
            apiVersion: kafka.strimzi.io/v1beta2
            kind: KafkaTopic
            metadata:
              name: alpha
              labels: {strimzi.io/cluster: test}
            spec:
              topicName: team.alpha
              partitions: 3
              replicas: 3
              config:
                min.insync.replicas: "2"
                retention.ms: "-1"
            ---
            apiVersion: kafka.strimzi.io/v1beta2
            kind: KafkaTopic
            metadata:
              name: team.beta
              labels: {strimzi.io/cluster: test}
            spec:
              partitions: 1
              replicas: 3
              config:
                min.insync.replicas: "2"
            ---
            apiVersion: kafka.strimzi.io/v1beta2
            kind: KafkaUser
            metadata:
              name: alice
              labels: {strimzi.io/cluster: test}
            spec:
              authentication: {type: scram-sha-512}
              authorization:
                type: simple
                acls:
                  - resource: {type: topic, name: team.alpha}
                    operations: [Write, Read]
                  - resource: {type: group, name: alice-, patternType: prefix}
                    operations: [Read]
            ---
            apiVersion: kafka.strimzi.io/v1beta2
            kind: KafkaUser
            metadata:
              name: bob
              labels: {strimzi.io/cluster: test}
            spec:
              authentication: {type: scram-sha-512}
              authorization:
                type: simple
                acls:
                  - resource: {type: topic, name: team.b, patternType: prefix}
                    operations: [Read, Write]
                  - resource: {type: group, name: bob-group, patternType: literal}
                    operations: [Read]
            """;

    private static final Pattern AUDIT =
            Pattern.compile(
                    "Principal = (User:\\S+) is Allowed operation = (\\w+) .* based on rule"
                            + " MatchingAcl\\(acl=StandardAcl\\(resourceType=(\\w+),"
                            + " resourceName=(\\S+), patternType=(\\w+), principal=(\\S+),"
                            + " host=(\\S+), operation=(\\w+), permissionType=(\\w+)\\)\\)");

    private LocalCluster cluster;
    private Admin admin;
    private Path fixture;
    private List<String> firstSetup;

    @BeforeAll
    void startClusterAndSetUp() throws Exception {
        Path dir = fresh(Path.of("target", "local-cluster-it").toAbsolutePath());
        fixture = dir.resolve("deploy.yaml");
        Files.writeString(fixture, FIXTURE, StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        cluster =
                LocalCluster.builder(dir.resolve("cluster"))
                        .nodes(3)
                        .strimzi(fixture)
                        .auditLog(true)
                        .start();
        long t1 = System.nanoTime();
        firstSetup = cluster.apply(fixture);
        System.out.printf(
                "LocalClusterIT: 3 nodes serving after %d ms, setup step %d ms%n",
                (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
        admin = Admin.create(new HashMap<>(cluster.adminProperties()));
    }

    @AfterAll
    void stop() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void setupMadeTheTopicsAndBrokerSettingsOfTheYaml() throws Exception {
        assertThat(firstSetup)
                .contains(
                        "strimzi-play: topic team.alpha: created (3 partitions, 3 replicas, configs"
                                + " {min.insync.replicas=2, retention.ms=-1})",
                        "strimzi-play: topic team.beta: created (1 partitions, 3 replicas, configs"
                                + " {min.insync.replicas=2})");
        Map<String, TopicDescription> topics =
                admin.describeTopics(List.of("team.alpha", "team.beta")).allTopicNames().get();
        assertThat(topics.get("team.alpha").partitions()).hasSize(3);
        assertThat(topics.get("team.beta").partitions()).hasSize(1);
        topics.values().stream()
                .flatMap(d -> d.partitions().stream())
                .forEach(p -> assertThat(p.replicas()).hasSize(3));
        assertThat(topicConfig("team.alpha", "min.insync.replicas")).isEqualTo("2");
        assertThat(topicConfig("team.alpha", "retention.ms")).isEqualTo("-1");
        ConfigResource node1 = new ConfigResource(ConfigResource.Type.BROKER, "1");
        var broker = admin.describeConfigs(List.of(node1)).all().get().get(node1);
        assertThat(broker.get("default.replication.factor").value()).isEqualTo("3");
        assertThat(broker.get("min.insync.replicas").value()).isEqualTo("2");
        assertThat(broker.get("transaction.state.log.min.isr").value()).isEqualTo("2");
        assertThat(broker.get("unclean.leader.election.enable").value()).isEqualTo("false");
    }

    @Test
    @Order(2)
    void setupGaveEachUserItsAclsAndAnOwnerOnlyCredentialFile() throws Exception {
        assertThat(acls("User:alice"))
                .containsExactlyInAnyOrder(
                        allow(
                                "alice",
                                ResourceType.TOPIC,
                                "team.alpha",
                                PatternType.LITERAL,
                                AclOperation.WRITE),
                        allow(
                                "alice",
                                ResourceType.TOPIC,
                                "team.alpha",
                                PatternType.LITERAL,
                                AclOperation.READ),
                        allow(
                                "alice",
                                ResourceType.GROUP,
                                "alice-",
                                PatternType.PREFIXED,
                                AclOperation.READ));
        assertThat(acls("User:bob"))
                .containsExactlyInAnyOrder(
                        allow(
                                "bob",
                                ResourceType.TOPIC,
                                "team.b",
                                PatternType.PREFIXED,
                                AclOperation.READ),
                        allow(
                                "bob",
                                ResourceType.TOPIC,
                                "team.b",
                                PatternType.PREFIXED,
                                AclOperation.WRITE),
                        allow(
                                "bob",
                                ResourceType.GROUP,
                                "bob-group",
                                PatternType.LITERAL,
                                AclOperation.READ));
        Path users = cluster.credentialsDir();
        assertThat(permissions(users)).isEqualTo("rwx------");
        for (String user : List.of("alice", "bob")) {
            Path file = users.resolve(user + ".jaas");
            assertThat(permissions(file)).isEqualTo("rw-------");
            assertThat(Files.readString(file))
                    .matches(
                            "org\\.apache\\.kafka\\.common\\.security\\.scram\\.ScramLoginModule"
                                    + " required username=\""
                                    + user
                                    + "\" password=\"[A-Za-z0-9]{32}\";\n");
        }
    }

    @Test
    @Order(3)
    void eachUserWritesAndReadsItsTopicWithItsGroupAndIsRefusedTheOther() throws Exception {
        RecordMetadata a = send("alice", "team.alpha", "a-1", Duration.ofSeconds(60));
        RecordMetadata b = send("bob", "team.beta", "b-1", Duration.ofSeconds(60));
        assertThat(a.offset()).isGreaterThanOrEqualTo(0);
        assertThat(b.offset()).isGreaterThanOrEqualTo(0);
        assertThat(readAll("alice", "team.alpha", "alice-readers")).contains("a-1");
        assertThat(readAll("bob", "team.beta", "bob-group")).containsExactly("b-1");

        assertThatThrownBy(() -> send("alice", "team.beta", "x", Duration.ofSeconds(30)))
                .hasCauseInstanceOf(TopicAuthorizationException.class);
        assertThatThrownBy(() -> send("bob", "team.alpha", "x", Duration.ofSeconds(30)))
                .hasCauseInstanceOf(TopicAuthorizationException.class);
        assertThatThrownBy(() -> readAll("alice", "team.beta", "alice-readers"))
                .isInstanceOf(TopicAuthorizationException.class);
    }

    @Test
    @Order(4)
    void noCredentialNoConnection() throws Exception {
        Map<String, Object> mallory = new HashMap<>();
        mallory.put("bootstrap.servers", cluster.bootstrapServers());
        mallory.putAll(new Credential("mallory", "guessed").clientProperties());
        Map<String, Object> wrongPassword = new HashMap<>(mallory);
        wrongPassword.putAll(new Credential("alice", "guessed").clientProperties());
        for (Map<String, Object> props : List.of(mallory, wrongPassword)) {
            try (Admin a = Admin.create(props)) {
                assertThatThrownBy(() -> a.listTopics().names().get(30, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(SaslAuthenticationException.class);
            }
        }
        // no SASL at all: no listener speaks plaintext, the call times out
        Map<String, Object> plaintext =
                Map.of(
                        "bootstrap.servers",
                        cluster.bootstrapServers(),
                        "request.timeout.ms",
                        1500,
                        "default.api.timeout.ms",
                        3000);
        try (Admin a = Admin.create(plaintext)) {
            assertThatThrownBy(() -> a.listTopics().names().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);
        }
    }

    @Test
    @Order(5)
    void theAdminMayDoAnything() throws Exception {
        admin.createTopics(List.of(new NewTopic("admin.scratch", 1, (short) 3))).all().get();
        assertThat(admin.listTopics().names().get())
                .contains("admin.scratch", "team.alpha", "team.beta");
        try (KafkaProducer<String, String> p =
                producer(cluster.adminProperties(), Duration.ofSeconds(60))) {
            p.send(new ProducerRecord<>("team.alpha", "admin-1")).get();
        }
        admin.deleteTopics(List.of("admin.scratch")).all().get();
    }

    @Test
    @Order(6)
    void aSecondSetupChangesNothingButWhatWasChangedBehindItsBack() throws Exception {
        String alicePassword = Files.readString(cluster.credentialsDir().resolve("alice.jaas"));
        assertThat(cluster.apply(fixture))
                .contains(
                        "strimzi-play: topic team.alpha: unchanged",
                        "strimzi-play: topic team.beta: unchanged",
                        "strimzi-play: user alice: password kept in alice.jaas; 3 ACL bindings (0"
                                + " created, 0 deleted)",
                        "strimzi-play: user bob: password kept in bob.jaas; 3 ACL bindings (0"
                                + " created, 0 deleted)");
        assertThat(Files.readString(cluster.credentialsDir().resolve("alice.jaas")))
                .isEqualTo(alicePassword);

        // behind the operator's back: one ACL more for alice, a topic config changed, a stray user
        admin.createAcls(
                        List.of(
                                allow(
                                        "alice",
                                        ResourceType.TOPIC,
                                        "team.beta",
                                        PatternType.LITERAL,
                                        AclOperation.READ),
                                allow(
                                        "eve",
                                        ResourceType.TOPIC,
                                        "team.alpha",
                                        PatternType.LITERAL,
                                        AclOperation.READ)))
                .all()
                .get();
        ConfigResource alpha = new ConfigResource(ConfigResource.Type.TOPIC, "team.alpha");
        admin.incrementalAlterConfigs(
                        Map.of(
                                alpha,
                                List.of(
                                        new AlterConfigOp(
                                                new ConfigEntry("retention.ms", "1000"),
                                                AlterConfigOp.OpType.SET),
                                        new AlterConfigOp(
                                                new ConfigEntry("segment.ms", "600000"),
                                                AlterConfigOp.OpType.SET))))
                .all()
                .get();
        assertThat(cluster.apply(fixture))
                .contains(
                        "strimzi-play: topic team.alpha: set retention.ms=-1; deleted segment.ms",
                        "strimzi-play: user alice: password kept in alice.jaas; 3 ACL bindings (0"
                                + " created, 1 deleted)",
                        "strimzi-play: user eve: removed (1 ACL bindings)");
        assertThat(acls("User:alice")).hasSize(3);
        assertThat(acls("User:eve")).isEmpty();
        assertThat(topicConfig("team.alpha", "retention.ms")).isEqualTo("-1");
    }

    @Test
    @Order(7)
    void everyAclLetSomethingThrough() throws Exception {
        Set<String> used = new HashSet<>();
        for (int id : cluster.nodeIds()) {
            try (Stream<String> lines = Files.lines(cluster.log(id))) {
                lines.map(AUDIT::matcher)
                        .filter(Matcher::find)
                        .forEach(
                                m ->
                                        used.add(
                                                m.group(6)
                                                        + " "
                                                        + m.group(8)
                                                        + " "
                                                        + m.group(3)
                                                        + ":"
                                                        + m.group(5)
                                                        + ":"
                                                        + m.group(4)));
            }
        }
        assertThat(used)
                .contains(
                        "User:alice WRITE TOPIC:LITERAL:team.alpha",
                        "User:alice READ TOPIC:LITERAL:team.alpha",
                        "User:alice READ GROUP:PREFIXED:alice-",
                        "User:bob WRITE TOPIC:PREFIXED:team.b",
                        "User:bob READ TOPIC:PREFIXED:team.b",
                        "User:bob READ GROUP:LITERAL:bob-group");
    }

    @Test
    @Order(8)
    void acksAllWritesSurviveOneNodeDownNotTwoAndNodesComeBackOnTheirPorts() throws Exception {
        int busiest = cluster.leaderOfMost("team.alpha");
        assertThat(busiest).isEqualTo(Leaders.mostLed(admin, "team.alpha"));
        int other =
                cluster.nodeIds().stream().filter(id -> id != busiest).findFirst().orElseThrow();
        ClusterSpec.Node ports = cluster.node(busiest).ports();

        // a producer with its producer id from before the quorum is lost: one made afterwards
        // waits for an id the controllers cannot hand out, past its delivery timeout
        KafkaProducer<String, String> early =
                producer(cluster.clientProperties("alice"), Duration.ofSeconds(10));
        try {
            early.send(new ProducerRecord<>("team.alpha", "before")).get(60, TimeUnit.SECONDS);
            cluster.kill(busiest);
            long t0 = System.nanoTime();
            send("alice", "team.alpha", "one-down", Duration.ofSeconds(90));
            System.out.printf(
                    "LocalClusterIT: acks=all write with node %d killed took %d ms%n",
                    busiest, (System.nanoTime() - t0) / 1_000_000);
            cluster.kill(other);
            assertRefused(early, "two-down");
        } finally {
            early.close(Duration.ofSeconds(5));
        }
        cluster.start(other);
        ClusterNode back = cluster.start(busiest);
        assertThat(back.ports()).isEqualTo(ports);
        awaitFullIsr("team.alpha", Duration.ofSeconds(90));
        send("alice", "team.alpha", "all-back", Duration.ofSeconds(60));
        assertThat(readAll("alice", "team.alpha", "alice-after"))
                .contains("a-1", "admin-1", "before", "one-down", "all-back");
    }

    /** An acks=all write that fails: not acknowledged by enough replicas in time. */
    private static void assertRefused(KafkaProducer<String, String> p, String value) {
        assertThatThrownBy(
                        () ->
                                p.send(new ProducerRecord<>("team.alpha", value))
                                        .get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOfAny(
                        TimeoutException.class,
                        NotEnoughReplicasException.class,
                        NotEnoughReplicasAfterAppendException.class);
    }

    private void awaitFullIsr(String topic, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<TopicPartitionInfo> parts =
                    admin.describeTopics(List.of(topic))
                            .allTopicNames()
                            .get()
                            .get(topic)
                            .partitions();
            if (parts.stream().allMatch(p -> p.isr().size() == 3)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "ISR of " + topic + " not back to 3 after " + timeout + ": " + parts);
            }
            Thread.sleep(500);
        }
    }

    private RecordMetadata send(String user, String topic, String value, Duration timeout)
            throws Exception {
        try (KafkaProducer<String, String> p = producer(cluster.clientProperties(user), timeout)) {
            return p.send(new ProducerRecord<>(topic, value))
                    .get(timeout.toSeconds() + 30, TimeUnit.SECONDS);
        }
    }

    private static KafkaProducer<String, String> producer(
            Map<String, String> client, Duration timeout) {
        Map<String, Object> props = new HashMap<>(client);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                (int) Math.min(timeout.toMillis(), 30_000));
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    /**
     * Every value of {@code topic} up to its end, read by {@code user} in {@code group}
     * (committing).
     */
    private List<String> readAll(String user, String topic, String group) throws Exception {
        Map<String, Object> props = new HashMap<>(cluster.clientProperties(user));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, String> c =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of(topic));
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            // every partition's end, not only those of a first (possibly partial) assignment
            List<TopicPartition> all =
                    c.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList();
            Map<TopicPartition, Long> end = c.endOffsets(all);
            while (!(c.assignment().containsAll(all) && caughtUp(c, end))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(topic + " not read to its end " + end + " in 60 s");
                }
                c.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
            }
            c.commitSync();
            return values;
        }
    }

    private static boolean caughtUp(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue());
    }

    private Set<AclBinding> acls(String principal) throws Exception {
        return new HashSet<>(admin.describeAcls(UserOperatorPlay.filter(principal)).values().get());
    }

    private String topicConfig(String topic, String key) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(r)).all().get().get(r).get(key).value();
    }

    static AclBinding allow(
            String user, ResourceType type, String name, PatternType pattern, AclOperation op) {
        return new AclBinding(
                new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW));
    }

    private static String permissions(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    static Path fresh(Path dir) throws Exception {
        if (Files.exists(dir)) {
            SharedBroker.deleteTree(dir);
        }
        return Files.createDirectories(dir);
    }
}
