package mmdigits.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mmdigits.common.Topics;
import mmdigits.common.kafka.KafkaAccess;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelPromoted;
import mmdigits.common.proto.Prediction;
import mmdigits.common.proto.Split;
import mmdigits.common.sample.SampleIds;
import mmdigits.common.security.ReleaseSignatures;
import mmdigits.common.seed.SyntheticDataset;
import mmdigits.localkafka.Leaders;
import mmdigits.localkafka.Scrape;
import mmdigits.localkafka.ServiceProcess;
import mmdigits.localkafka.TopicReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The production topology on one machine, under the faults it is deployed to survive: three Kafka
 * nodes with the deploy/ ACLs, two replicas of every service behind HAProxy. A dataset (train +
 * 10,000 test) is published, trained (the small model) and scored; during the scoring the broker
 * leading most partitions of the test topic is SIGKILLed; then, while clients stream samples and
 * ask for predictions through the balancer the whole time, an inference replica is SIGKILLed and
 * comes back, and ingest and inference are rolled. Read {@code read_committed}: every sample has
 * one prediction and one embedding per version, the balancer answered every request. Then the
 * trainer running the queue dies mid-run (the other runs it, once), the viz replicas build the same
 * report, promotions written by anyone but the trainer are refused, a service with one ACL fewer
 * stops naming it, and the brokers' audit log shows every ACL of deploy/ used. What each fault cost
 * is printed and appended to target/faults/report.txt.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFaultIT {
    static final int TRAIN_ROWS = 2_000;
    static final int TEST_ROWS = 10_000;
    static final int BATCH = 10;
    static ProductionTopology t;
    static Map<String, Object> admin;
    static String v1;
    static LoadClient stream;
    static LoadClient predictions;

    @BeforeAll
    static void start() throws Exception {
        t =
                new ProductionTopology(
                        "cluster",
                        Map.of(
                                "TRAINER_MODEL", "small",
                                "TRAINER_EPOCHS", "2",
                                "TRAINER_PROMOTION_MODE", "always",
                                // small transactions: the scoring of 10,000 samples lasts long
                                // enough to lose a broker in the middle of it
                                "INFERENCE_STREAM_MAX_POLL_RECORDS", "32",
                                // the payload log on: the predictions asked for through the
                                // balancer use the inference user's Write on digits.payloads
                                // (everyAclOfDeployIsUsed)
                                "INFERENCE_PAYLOAD_LOG_ENABLED", "true"));
        SyntheticDataset.write(t.work.resolve("prod"), 11, TRAIN_ROWS, TEST_ROWS, true);
        SyntheticDataset.write(t.work.resolve("other"), 12, 600, 0, true); // a train split only
        Path probe = SyntheticDataset.write(t.work.resolve("probe"), 13, 1, 200, true);
        for (String f : List.of("x_train_wr.npy", "x_train_sp.npy", "y_train.csv")) {
            Files.delete(probe.resolve(f)); // a test split only
        }
        long t0 = System.nanoTime();
        t.start();
        admin = new HashMap<>(t.kafka().adminProperties());
        report(
                "topology up in %.0f s: 3 Kafka nodes, 2 replicas of 4 services, HAProxy",
                since(t0));
    }

    @AfterAll
    static void stop() throws Exception {
        if (stream != null) {
            stream.close();
        }
        if (predictions != null) {
            predictions.close();
        }
        if (t != null) {
            t.close();
        }
    }

    @Test
    @Order(1)
    void aDatasetIsScoredExactlyOnceThoughTheBusiestBrokerDiesMidScoring() throws Exception {
        int victim;
        try (Admin a = Admin.create(admin)) {
            victim = Leaders.mostLed(a, Topics.SAMPLES_TEST);
        }
        Cluster.Answer published =
                t.post(
                        t.uri("ingest", "/datasets"),
                        "{\"directory\": \"prod\", \"dataset\": \"prod\"}");
        assertThat(published.status()).as(published.body()).isEqualTo(200);
        await(
                "scoring of prod/test began",
                Duration.ofMinutes(5),
                () -> written(Topics.PREDICTIONS) > 200);
        long t0 = System.nanoTime();
        t.kafka().kill(victim);
        v1 = released("prod");
        int atKill = predictions(v1, "prod/").size();
        assertThat(atKill).as("scoring unfinished when the broker died").isLessThan(TEST_ROWS);
        await(
                "prod/test scored with a node down",
                Duration.ofMinutes(5),
                () -> predictions(v1, "prod/").size() == TEST_ROWS);
        double scoredAfter = since(t0);
        t.kafka().start(victim);
        Thread.sleep(2000); // anything more would be a duplicate
        assertExactlyOnce(v1, ids("prod", TEST_ROWS));
        report(
                "node %d (leader of most test partitions) SIGKILLed with %d of %d committed: the rest scored "
                        + "on 2 nodes within %.1f s; 0 lost, 0 duplicated (predictions and embeddings)",
                victim, atKill, TEST_ROWS, scoredAfter);
    }

    @Test
    @Order(2)
    void anInferenceReplicaKilledComesBackUnderItsIdentityAndResumesAtOnce() throws Exception {
        stream =
                new LoadClient(
                        "stream",
                        t.uri("ingest", "/samples"),
                        t.token(),
                        ClusterFaultIT::liveBatch,
                        100);
        predictions =
                new LoadClient(
                        "predictions",
                        t.uri("inference", "/api/predictions"),
                        t.token(),
                        i -> prediction(i),
                        20);
        stream.phase("inference SIGKILL");
        predictions.phase("inference SIGKILL");
        Thread.sleep(3000);
        String replica = ProductionTopology.name("inference", 1);
        int logBefore = Files.readString(t.log(replica)).length();
        t.kill(replica);
        long t0 = System.nanoTime();
        t.launch("inference", 1);
        String joined = awaitLine(replica, logBefore, "test stream: joining group");
        String assigned = awaitLine(replica, logBefore, "assigned (jobs done");
        double fromLaunch = since(t0);
        double fromJoin = seconds(stamp(joined), stamp(assigned));
        t.awaitUp(replica, Duration.ofMinutes(2));
        assertThat(fromJoin)
                .as("joined its group again and got its partitions after %.1f s", fromJoin)
                .isLessThanOrEqualTo(10);
        report(
                "inference-1 SIGKILLed and started again under its identity: its partitions back %.1f s after it "
                        + "joined the group, %.1f s after its launch (the JVM's start on this loaded machine; the "
                        + "group's session timeout is 30 s); predictions failed meanwhile: %d",
                fromJoin, fromLaunch, predictions.failures("inference SIGKILL").size());
    }

    @Test
    @Order(3)
    void ingestRolledWhileSamplesStreamFailsNoRequest() throws Exception {
        stream.phase("ingest roll");
        predictions.phase("ingest roll");
        double[] seconds = roll("ingest");
        assertThat(stream.failures("ingest roll")).as("stream through the balancer").isEmpty();
        report(
                "ingest rolled (each replica stopped, started again, ready in %.1f / %.1f s): %d sample batches "
                        + "streamed through the balancer, 0 failed",
                seconds[0], seconds[1], stream.ok());
    }

    @Test
    @Order(4)
    void inferenceRolledHandsItsPartitionsOverAtOnceAndFailsNoRequest() throws Exception {
        stream.phase("inference roll");
        predictions.phase("inference roll");
        String other = ProductionTopology.name("inference", 1);
        int logBefore = Files.readString(t.log(other)).length();
        long before = predictions.ok();
        long t0 = System.nanoTime();
        t.stop(ProductionTopology.name("inference", 0));
        String line = awaitLine(other, logBefore, "assigned (jobs done");
        double handedOver = since(t0);
        t.launch("inference", 0);
        t.awaitUp(ProductionTopology.name("inference", 0), Duration.ofMinutes(2));
        t.lb().awaitStatus("inference", "inference-0", "UP", Duration.ofMinutes(1));
        roll("inference", 1);
        assertThat(handedOver)
                .as("inference-1 had the stopped replica's partitions after %.1f s", handedOver)
                .isLessThanOrEqualTo(10);
        assertThat(predictions.failures("inference roll"))
                .as("predictions through the balancer")
                .isEmpty();
        assertThat(stream.failures("inference roll")).isEmpty();
        report(
                "inference rolled: the stopped replica left its group and the other had its partitions %.1f s after "
                        + "the SIGTERM (%s); %d predictions through the balancer during the roll, 0 failed",
                handedOver,
                line.substring(line.indexOf("partitions"), line.indexOf(" (jobs")),
                predictions.ok() - before);
    }

    @Test
    @Order(5)
    void everyStreamedSampleIsScoredExactlyOnce() throws Exception {
        stream.close();
        predictions.close();
        List<String> live = new ArrayList<>();
        for (long request : stream.answered()) {
            for (int k = 0; k < BATCH; k++) {
                live.add(SampleIds.of("live", Split.TEST, request * BATCH + k));
            }
        }
        await(
                "the streamed samples scored",
                Duration.ofMinutes(3),
                () -> predictions(v1, "live/").size() >= live.size());
        Thread.sleep(2000);
        assertExactlyOnce(v1, live);
        assertThat(predictions.failures()).as("every prediction request answered").isEmpty();
        assertThat(stream.failures()).as("every sample batch accepted").isEmpty();
        report(
                "%d samples streamed through the balancer during the faults: 0 lost, 0 duplicated; %d predictions "
                        + "answered, 0 failed",
                live.size(), predictions.ok());
    }

    @Test
    @Order(6)
    void theTrainerRunningTheQueueDiesMidRunAndTheOtherRunsItOnce() throws Exception {
        Cluster.Answer published =
                t.post(
                        t.uri("ingest", "/datasets"),
                        "{\"directory\": \"other\", \"dataset\": \"other\"}");
        assertThat(published.status()).as(published.body()).isEqualTo(200);
        JsonNode run = awaitRun("other", "TRAINING", Duration.ofMinutes(3));
        String id = run.get("id").asText();
        String first = run.get("instance").asText();
        String replica = "trainer-service-" + first.substring(first.lastIndexOf('-') + 1);
        long t0 = System.nanoTime();
        t.kill(replica);
        JsonNode done = awaitRun("other", "RELEASED", Duration.ofMinutes(5));
        double took = since(t0);
        assertThat(done.get("id").asText()).isEqualTo(id);
        assertThat(done.get("instance").asText()).isNotEqualTo(first);
        long releases =
                read(Topics.MODELS).stream()
                        .filter(r -> r.key().endsWith("/" + id) && r.value() != null)
                        .count();
        assertThat(releases).as("releases of run %s", id).isEqualTo(1);
        // the killed trainer's open transaction on digits.events holds read_committed readers until
        // the broker aborts it (its transaction timeout); a run that finishes sooner is released
        // before its second start is visible there
        await(
                "both starts of run " + id + " visible to read_committed readers",
                Duration.ofMinutes(2),
                () -> trainingStarts(id).size() >= 2);
        assertThat(trainingStarts(id)).containsExactly(first, done.get("instance").asText());
        // both replicas answer the same for the run
        for (int n = 0; n < 2; n++) {
            String r = ProductionTopology.name("trainer", n);
            if (r.equals(replica)) {
                continue;
            }
            assertThat(
                            t.get(t.replicaUri(r, "/trainings/" + id))
                                    .json()
                                    .get("modelVersion")
                                    .asText())
                    .isEqualTo(id);
        }
        t.launch("trainer", Integer.parseInt(replica.substring(replica.length() - 1)));
        t.awaitUp(replica, Duration.ofMinutes(2));
        assertThat(t.get(t.replicaUri(replica, "/trainings/" + id)).json().get("state").asText())
                .as("the replica that came back knows the run from the events")
                .isEqualTo("RELEASED");
        report(
                "trainer %s SIGKILLed while its run trained: %s took the queue over and ran it again (starts: %s), "
                        + "released once %.1f s after the kill",
                first, done.get("instance").asText(), trainingStarts(id), took);
    }

    @Test
    @Order(7)
    void bothVizReplicasBuildTheSameReport() throws Exception {
        String v2 = released("other");
        Cluster.Answer published =
                t.post(
                        t.uri("ingest", "/datasets"),
                        "{\"directory\": \"probe\", \"dataset\": \"probe\"}");
        assertThat(published.status()).as(published.body()).isEqualTo(200);
        await(
                "probe/test scored by the alias' target " + v2,
                Duration.ofMinutes(2),
                () -> predictions(v2, "probe/").size() == 200);
        // a report asked for a pair that was not scored: viz asks inference to score it first
        Cluster.Answer asked =
                t.post(
                        t.uri("viz", "/reports"),
                        "{\"dataset\": \"probe\", \"version\": \"" + v1 + "\"}");
        assertThat(asked.status()).as(asked.body()).isEqualTo(202);
        assertThat(asked.json().get("state").asText()).isEqualTo("SCORING");
        for (String pair : List.of("prod/" + v1, "probe/" + v2, "probe/" + v1)) {
            List<String> csv = new ArrayList<>();
            for (int n = 0; n < 2; n++) {
                String r = ProductionTopology.name("viz", n);
                Path file = t.work.resolve("out/" + r + "/reports/" + pair + "/predictions.csv");
                await(
                        "the report of " + pair + " on " + r,
                        Duration.ofMinutes(4),
                        () -> Files.exists(file));
                csv.add(Files.readString(file));
            }
            assertThat(csv.get(0)).as(pair + " on both replicas").isEqualTo(csv.get(1));
            assertThat(csv.get(0).lines().count()).isGreaterThan(200);
        }
        report(
                "both viz replicas built the same predictions.csv for (prod, %s), (probe, %s: the alias), (probe, %s: "
                        + "asked for, scored first)",
                v1, v2, v1);
    }

    @Test
    @Order(8)
    void promotionsAreTheTrainersAlone() throws Exception {
        ModelPromoted forged =
                ModelPromoted.newBuilder()
                        .setAlias("digits")
                        .setName("prod")
                        .setVersion("forged")
                        .setReason("written by someone else")
                        .setSequence(Long.MAX_VALUE)
                        .build();
        // with the ingest service's credentials: the broker refuses the write
        Map<String, Object> ingest =
                new HashMap<>(t.kafka().clientProperties(KafkaAccess.user(KafkaAccess.INGEST)));
        try (KafkaProducer<String, byte[]> p = producer(ingest)) {
            var sent =
                    p.send(new ProducerRecord<>(Topics.PROMOTIONS, "digits", forged.toByteArray()));
            try {
                sent.get(30, TimeUnit.SECONDS);
                throw new AssertionError("the broker took a promotion from the ingest user");
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(TopicAuthorizationException.class);
            }
        }
        // with the admin's: the broker takes them, every inference replica refuses them
        double[] refusedBefore = refusedPromotions();
        PrivateKey attacker =
                KeyPairGenerator.getInstance(ReleaseSignatures.ALGORITHM)
                        .generateKeyPair()
                        .getPrivate();
        try (KafkaProducer<String, byte[]> p = producer(admin)) {
            p.send(new ProducerRecord<>(Topics.PROMOTIONS, "digits", forged.toByteArray())).get();
            p.send(ReleaseSignatures.record(forged, attacker)).get();
        }
        await(
                "both inference replicas refused both",
                Duration.ofSeconds(60),
                () -> {
                    try {
                        double[] now = refusedPromotions();
                        return now[0] - refusedBefore[0] == 2 && now[1] - refusedBefore[1] == 2;
                    } catch (Exception e) {
                        return false;
                    }
                });
        String served = t.get(t.uri("inference", "/api/model")).json().get("version").asText();
        assertThat(served).isNotEqualTo("forged");
        report(
                "a ModelPromoted with the ingest user's credentials: refused by the broker (TopicAuthorizationException); "
                        + "unsigned and forged ones with the admin's: refused by both inference replicas, the alias stays on %s",
                served);
    }

    @Test
    @Order(9)
    void poisonGoesToTheDeadLetterTopic() throws Exception {
        byte[] garbage = {(byte) 0xff, 0x01, 0x02};
        try (KafkaProducer<String, byte[]> p = producer(admin)) {
            p.send(new ProducerRecord<>(Topics.EMBEDDINGS, "poison/embedding", garbage)).get();
            p.send(new ProducerRecord<>(Topics.EVENTS, "poison/event", garbage)).get();
            p.send(new ProducerRecord<>(Topics.SAMPLES_TEST, "poison/sample", garbage)).get();
        }
        await(
                "the poison dead-lettered by viz, the trainer and inference",
                Duration.ofSeconds(90),
                () -> {
                    Set<String> keys = new HashSet<>();
                    read(Topics.DEAD_LETTER).forEach(r -> keys.add(r.key()));
                    return keys.containsAll(
                            List.of("poison/embedding", "poison/event", "poison/sample"));
                });
    }

    /** One ACL of each service taken away: an instance started then stops, naming it. */
    @Test
    @Order(10)
    void aServiceWithOneAclFewerStopsNamingIt() throws Exception {
        Map<String, AclBinding> taken =
                Map.of(
                        KafkaAccess.INGEST,
                        acl(
                                KafkaAccess.INGEST,
                                ResourceType.TOPIC,
                                Topics.SAMPLES_TEST,
                                PatternType.LITERAL,
                                AclOperation.WRITE),
                        KafkaAccess.TRAINER,
                        acl(
                                KafkaAccess.TRAINER,
                                ResourceType.TOPIC,
                                Topics.PROMOTIONS,
                                PatternType.LITERAL,
                                AclOperation.WRITE),
                        KafkaAccess.INFERENCE,
                        acl(
                                KafkaAccess.INFERENCE,
                                ResourceType.GROUP,
                                "mmdigits-inference",
                                PatternType.PREFIXED,
                                AclOperation.READ),
                        KafkaAccess.VIZ,
                        acl(
                                KafkaAccess.VIZ,
                                ResourceType.TOPIC,
                                Topics.PROMOTIONS,
                                PatternType.LITERAL,
                                AclOperation.READ));
        List<String> lines = new ArrayList<>();
        try (Admin a = Admin.create(admin)) {
            a.deleteAcls(taken.values().stream().map(AclBinding::toFilter).toList())
                    .all()
                    .get(30, TimeUnit.SECONDS);
            try {
                // all four at once: each stops on its own user's missing ACL
                Map<String, ServiceProcess> started = new HashMap<>();
                for (String service : KafkaAccess.SERVICES) {
                    started.put(service, t.launch(service, 9, Map.of()));
                }
                for (String service : KafkaAccess.SERVICES) {
                    lines.add(stoppedNaming(service, started.get(service), taken.get(service)));
                }
            } finally {
                a.createAcls(List.copyOf(taken.values())).all().get(30, TimeUnit.SECONDS);
            }
        }
        report(
                "each service with one ACL fewer stopped at start, saying:\n  %s",
                String.join("\n  ", lines));
    }

    /** The line of the log of an instance that stopped because its user lacks {@code binding}. */
    static String stoppedNaming(String service, ServiceProcess p, AclBinding binding)
            throws Exception {
        assertThat(p.waitFor(Duration.ofMinutes(3)))
                .as("%s with one ACL fewer stopped", service)
                .isTrue();
        String log = Files.readString(t.log(ProductionTopology.name(service, 9)));
        String expected =
                "Kafka user '"
                        + KafkaAccess.user(service)
                        + "' may not "
                        + binding.entry().operation().name();
        assertThat(p.exitValue()).as(log).isEqualTo(1);
        assertThat(log).contains(expected).contains(binding.pattern().name());
        return log.lines()
                .filter(l -> l.contains(expected))
                .findFirst()
                .orElseThrow()
                .replaceAll("^.*ERROR +\\[[^]]*\\] ", "");
    }

    /** The brokers' audit log: every ACL of kafka-users.yaml matched at least once. */
    @Test
    @Order(11)
    void everyAclOfDeployIsUsed() throws Exception {
        Set<String> used = aclsUsed();
        List<String> unused = new ArrayList<>();
        int total = 0;
        for (String service : KafkaAccess.SERVICES) {
            for (KafkaAccess.Need n : KafkaAccess.of(service)) {
                total++;
                String key =
                        KafkaAccess.user(service)
                                + " "
                                + n.type().name()
                                + " "
                                + n.name()
                                + " "
                                + n.pattern().name()
                                + " "
                                + n.operation().name();
                if (!used.contains(key)) {
                    unused.add(key);
                }
            }
        }
        assertThat(unused).as("ACLs no request of the run matched (of %d)", total).isEmpty();
        report(
                "the brokers' audit log: all %d ACLs of deploy/base/kafka-users.yaml matched by requests of the run",
                total);
    }

    /**
     * production-keda on the same cluster: its KafkaUser applied as the User Operator would, KEDA's
     * Kafka scaler's view of the scoring group's lag (the group's committed offsets, the topic's
     * end offsets) computed as that user equals the admin's, and the user can do nothing else.
     */
    @Test
    @Order(12)
    void kedaReadsTheScoringLagAsItsOwnUserAndNothingElse() throws Exception {
        Path keda = t.work.resolve("deploy-keda.yaml");
        t.render("production-keda", keda);
        t.kafka().apply(keda);
        Map<String, Object> asKeda = new HashMap<>(t.kafka().clientProperties("mmdigits-keda"));
        Map<String, String> adminLag = lagAsKedaComputesIt(admin);
        Map<String, String> kedaLag = lagAsKedaComputesIt(asKeda);
        for (int i = 0; i < 5 && !kedaLag.equals(adminLag); i++) { // the stream may still move
            adminLag = lagAsKedaComputesIt(admin);
            kedaLag = lagAsKedaComputesIt(asKeda);
        }
        assertThat(kedaLag)
                .as("the lag per partition, as mmdigits-keda and as the admin")
                .isEqualTo(adminLag);
        assertThat(kedaLag).hasSize(4);
        try (Admin a = Admin.create(asKeda)) {
            assertThatThrownBy(
                            () ->
                                    a.listConsumerGroupOffsets("mmdigits-viz")
                                            .partitionsToOffsetAndMetadata()
                                            .get(30, TimeUnit.SECONDS))
                    .as("another group's offsets")
                    .hasCauseInstanceOf(GroupAuthorizationException.class);
        }
        Map<String, Object> consumer = new HashMap<>(asKeda);
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, "mmdigits-inference");
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(
                        consumer, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(List.of(new TopicPartition(Topics.SAMPLES_TEST, 0)));
            c.seekToBeginning(c.assignment());
            assertThatThrownBy(() -> c.poll(Duration.ofSeconds(10)))
                    .as("reading a sample")
                    .isInstanceOfAny(
                            TopicAuthorizationException.class, GroupAuthorizationException.class);
        }
        Set<String> used = aclsUsed();
        assertThat(used)
                .as("the audit log: both ACLs of mmdigits-keda used by the lag's requests")
                .contains(
                        "mmdigits-keda TOPIC digits.samples.test LITERAL DESCRIBE",
                        "mmdigits-keda GROUP mmdigits-inference LITERAL DESCRIBE");
        report("KEDA's committed/end offsets read as mmdigits-keda equal the admin's: %s", kedaLag);
    }

    /**
     * What KEDA's Kafka scaler reads for the scoring group on the test topic, per partition: the
     * group's committed offset (0 where it never committed: offsetResetPolicy earliest) and the end
     * offset, as "committed/end"; the lag is their difference.
     */
    static Map<String, String> lagAsKedaComputesIt(Map<String, Object> props) throws Exception {
        try (Admin a = Admin.create(props)) {
            List<TopicPartition> partitions =
                    a
                            .describeTopics(List.of(Topics.SAMPLES_TEST))
                            .allTopicNames()
                            .get(30, TimeUnit.SECONDS)
                            .get(Topics.SAMPLES_TEST)
                            .partitions()
                            .stream()
                            .map(p -> new TopicPartition(Topics.SAMPLES_TEST, p.partition()))
                            .toList();
            Map<TopicPartition, OffsetAndMetadata> committed =
                    a.listConsumerGroupOffsets("mmdigits-inference")
                            .partitionsToOffsetAndMetadata()
                            .get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
            var ends = a.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
            Map<String, String> offsets = new TreeMap<>();
            for (TopicPartition p : partitions) {
                OffsetAndMetadata c = committed.get(p);
                offsets.put(
                        p.toString(), (c == null ? 0 : c.offset()) + "/" + ends.get(p).offset());
            }
            return offsets;
        }
    }

    /** The ACLs the brokers' audit log shows matched, as "user TYPE name PATTERN OPERATION". */
    static Set<String> aclsUsed() throws IOException {
        Pattern rule =
                Pattern.compile(
                        "Principal = User:(mmdigits-[a-z]+) is Allowed .*based on rule MatchingAcl\\(acl=StandardAcl\\(resourceType=([A-Z_]+), resourceName=([^,]+), patternType=([A-Z]+), principal=User:mmdigits-[a-z]+, host=\\*, operation=([A-Z_]+), permissionType=ALLOW\\)\\)");
        Set<String> used = new HashSet<>();
        for (int node : t.kafka().nodeIds()) {
            try (var lines = Files.lines(t.kafka().log(node))) {
                lines.forEach(
                        l -> {
                            Matcher m = rule.matcher(l);
                            if (m.find()) {
                                used.add(
                                        m.group(1)
                                                + " "
                                                + m.group(2)
                                                + " "
                                                + m.group(3)
                                                + " "
                                                + m.group(4)
                                                + " "
                                                + m.group(5));
                            }
                        });
            }
        }
        return used;
    }

    // --- helpers -------------------------------------------------------------------------------

    static AclBinding acl(
            String service, ResourceType type, String name, PatternType pattern, AclOperation op) {
        return new AclBinding(
                new ResourcePattern(type, name, pattern),
                new AccessControlEntry(
                        "User:" + KafkaAccess.user(service), "*", op, AclPermissionType.ALLOW));
    }

    /** Rolls a service: each replica stopped (SIGTERM), started again, ready and UP in turn. */
    static double[] roll(String service) throws Exception {
        double[] seconds = new double[ProductionTopology.REPLICAS];
        for (int n = 0; n < ProductionTopology.REPLICAS; n++) {
            seconds[n] = roll(service, n);
        }
        return seconds;
    }

    static double roll(String service, int n) throws Exception {
        String replica = ProductionTopology.name(service, n);
        t.stop(replica);
        long t0 = System.nanoTime();
        t.launch(service, n);
        t.awaitUp(replica, Duration.ofMinutes(2));
        double ready = since(t0);
        t.lb().awaitStatus(service, service + "-" + n, "UP", Duration.ofMinutes(1));
        return ready;
    }

    static String liveBatch(long request) {
        StringBuilder b = new StringBuilder("[");
        for (int k = 0; k < BATCH; k++) {
            long row = request * BATCH + k;
            if (k > 0) {
                b.append(',');
            }
            b.append("{\"dataset\":\"live\",\"split\":\"test\",\"row_id\":")
                    .append(row)
                    .append(",\"label\":")
                    .append(row % 10)
                    .append(",\"image\":")
                    .append(values(784, row, true))
                    .append(",\"audio\":")
                    .append(values(507, row, false))
                    .append('}');
        }
        return b.append(']').toString();
    }

    static String prediction(long i) {
        return "{\"image\":" + values(784, i, true) + ",\"audio\":" + values(507, i, false) + "}";
    }

    static String values(int n, long row, boolean image) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(
                    image
                            ? (int) SyntheticDataset.image(5, "live", (int) row, i)
                            : ((row * 31 + i) % 97) / 7f - 5);
        }
        return b.append(']').toString();
    }

    static KafkaProducer<String, byte[]> producer(Map<String, Object> connection) {
        Map<String, Object> c = new HashMap<>(connection);
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 20_000);
        return new KafkaProducer<>(c, new StringSerializer(), new ByteArraySerializer());
    }

    /** mmdigits_inference_promotions_refused_total of each inference replica. */
    static double[] refusedPromotions() throws Exception {
        double[] out = new double[2];
        for (int n = 0; n < 2; n++) {
            String metrics =
                    t.get(t.replicaUri(ProductionTopology.name("inference", n), "/q/metrics"))
                            .body();
            double refused = Scrape.of(metrics).sum("mmdigits_inference_promotions_refused_total");
            out[n] = Double.isNaN(refused) ? 0 : refused;
        }
        return out;
    }

    /** The instances that started run {@code id}, in the order of digits.events. */
    static List<String> trainingStarts(String id) {
        return read(Topics.EVENTS).stream()
                .filter(r -> id.equals(r.key()))
                .map(r -> parse(r.value()))
                .filter(Event::hasTrainingStarted)
                .map(e -> e.getTrainingStarted().getInstanceId())
                .toList();
    }

    static List<ConsumerRecord<String, byte[]>> read(String topic) {
        return TopicReader.readAll(admin, topic, "read_committed");
    }

    /** Predictions of a version per sample id (a count above 1 is a duplicate). */
    static Map<String, Integer> predictions(String version, String prefix) {
        Map<String, Integer> out = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : read(Topics.PREDICTIONS)) {
            if (r.key() != null && r.key().startsWith(prefix)) {
                try {
                    if (Prediction.parseFrom(r.value()).getModelVersion().equals(version)) {
                        out.merge(r.key(), 1, Integer::sum);
                    }
                } catch (InvalidProtocolBufferException e) {
                    // poison written by the test itself is not a prediction
                }
            }
        }
        return out;
    }

    static Map<String, Integer> embeddings(String version, Set<String> ids) {
        Map<String, Integer> out = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : read(Topics.EMBEDDINGS)) {
            if (r.key() != null && ids.contains(r.key())) {
                try {
                    if (Embedding.parseFrom(r.value()).getModelVersion().equals(version)) {
                        out.merge(r.key(), 1, Integer::sum);
                    }
                } catch (InvalidProtocolBufferException e) {
                    // poison
                }
            }
        }
        return out;
    }

    static void assertExactlyOnce(String version, List<String> expected) {
        String prefix = expected.get(0).substring(0, expected.get(0).indexOf('/') + 1);
        long[] p = Outputs.lostAndDuplicated(predictions(version, prefix), expected);
        long[] e =
                Outputs.lostAndDuplicated(embeddings(version, new HashSet<>(expected)), expected);
        assertThat(p).as("predictions of %s: lost, duplicated", prefix).containsExactly(0, 0);
        assertThat(e).as("embeddings of %s: lost, duplicated", prefix).containsExactly(0, 0);
    }

    static List<String> ids(String dataset, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(SampleIds.of(dataset, Split.TEST, i));
        }
        return ids;
    }

    /** Records written to a topic (read_uncommitted end offsets). */
    static long written(String topic) {
        try (Admin a = Admin.create(admin)) {
            return Outputs.written(a, topic);
        } catch (Exception e) {
            return -1;
        }
    }

    /** The version trained on a dataset, once released. */
    static String released(String dataset) throws Exception {
        return awaitRun(dataset, "RELEASED", Duration.ofMinutes(5)).get("modelVersion").asText();
    }

    static JsonNode awaitRun(String dataset, String state, Duration timeout) throws Exception {
        JsonNode[] run = new JsonNode[1];
        await(
                "a run of " + dataset + " " + state,
                timeout,
                () -> {
                    try {
                        JsonNode runs =
                                t.get(t.uri("trainer", "/trainings?dataset=" + dataset)).json();
                        for (JsonNode r : runs) {
                            if (state.equals(r.path("state").asText())) {
                                run[0] = r;
                                return true;
                            }
                        }
                        return false;
                    } catch (Exception e) {
                        return false;
                    }
                });
        return run[0];
    }

    /** The first line of a replica's log after {@code from} that contains {@code text}. */
    static String awaitLine(String replica, int from, String text) throws InterruptedException {
        String[] line = new String[1];
        await(
                text + " in " + replica + "'s log",
                Duration.ofMinutes(2),
                () -> {
                    try {
                        String log = Files.readString(t.log(replica));
                        line[0] =
                                log.substring(Math.min(from, log.length()))
                                        .lines()
                                        .filter(l -> l.contains(text))
                                        .findFirst()
                                        .orElse(null);
                        return line[0] != null;
                    } catch (Exception e) {
                        return false;
                    }
                });
        return line[0];
    }

    /** The time of a service log line (HH:mm:ss.SSS at its start). */
    static LocalTime stamp(String line) {
        return LocalTime.parse(line.substring(0, 12), DateTimeFormatter.ofPattern("HH:mm:ss.SSS"));
    }

    static double seconds(LocalTime from, LocalTime to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }

    static Event parse(byte[] value) {
        try {
            return Event.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            return Event.getDefaultInstance();
        }
    }

    static void await(String what, Duration timeout, BooleanSupplier condition)
            throws InterruptedException {
        FaultSuiteIT.await(what, timeout, condition);
    }

    static double since(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static void report(String format, Object... args) throws Exception {
        Outputs.report("cluster: " + String.format(Locale.ROOT, format, args));
    }
}
