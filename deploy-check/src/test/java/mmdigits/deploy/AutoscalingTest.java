package mmdigits.deploy;

import static mmdigits.deploy.KubernetesTest.all;
import static mmdigits.deploy.KubernetesTest.render;
import static mmdigits.deploy.KubernetesTest.typed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.strimzi.api.kafka.model.kafka.Kafka;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import mmdigits.common.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Inference's two autoscalers (docs/kubernetes.md#autoscaling): the production overlay's CPU HPA,
 * and production-keda's ScaledObject on the scoring group's lag (plus CPU) in its place. The lag
 * trigger must read the group and the topic inference actually uses, on the cluster's bootstrap, as
 * a KafkaUser that may describe them and nothing more, authenticated the way the listener wants;
 * for lag alone it never asks for more pods than the test topic has partitions. ClusterFaultIT
 * applies the KafkaUser to a real cluster and computes the lag as it.
 */
class AutoscalingTest {
    static final String KEDA_USER = "mmdigits-keda";
    static final String INFERENCE = "inference-service";

    /** The scoring group's id, as inference's configuration sets it. */
    static String scoringGroup() throws IOException {
        Properties p = new Properties();
        try (var in =
                Files.newInputStream(
                        ServiceConfig.root()
                                .resolve(INFERENCE)
                                .resolve("src/main/resources/application.properties"))) {
            p.load(in);
        }
        return p.getProperty("inference.stream.group-id");
    }

    /**
     * production-keda: a ScaledObject on inference and no HPA beside it; every other overlay: no
     * KEDA resource at all.
     */
    static void checkAutoscaling(
            Map<String, List<Object>> typed, Map<String, JsonNode> users, boolean keda)
            throws IOException {
        List<Keda.ScaledObject> scaled = all(typed, Keda.ScaledObject.class);
        List<Keda.TriggerAuthentication> auths = all(typed, Keda.TriggerAuthentication.class);
        if (!keda) {
            assertThat(scaled).as("ScaledObjects outside production-keda").isEmpty();
            assertThat(auths).as("TriggerAuthentications outside production-keda").isEmpty();
            assertThat(users)
                    .as("the KafkaUser of KEDA outside production-keda")
                    .doesNotContainKey(KEDA_USER);
            return;
        }
        assertThat(scaled).as("ScaledObjects").hasSize(1);
        Keda.ScaledObject so = scaled.get(0);
        assertThat(so.apiVersion()).isEqualTo(Keda.API_VERSION);
        assertThat(so.spec().scaleTargetRef().name())
                .as("the ScaledObject's target")
                .isEqualTo(INFERENCE);
        assertThat(all(typed, HorizontalPodAutoscaler.class))
                .as("HPAs beside the ScaledObject (KEDA makes its own)")
                .isEmpty();
        Keda.ScaledObject.Trigger lag = trigger(so, "kafka");
        checkLagTrigger(so, lag, typed);
        Keda.ScaledObject.Trigger cpu = trigger(so, "cpu");
        assertThat(cpu.metadata().keySet())
                .as("cpu trigger metadata")
                .isSubsetOf(Keda.CPU_METADATA);
        assertThat(cpu.metricType()).as("cpu trigger metricType").isEqualTo("Utilization");
        checkAuthentication(lag, auths, typed, users);
    }

    static Keda.ScaledObject.Trigger trigger(Keda.ScaledObject so, String type) {
        List<Keda.ScaledObject.Trigger> t =
                so.spec().triggers().stream().filter(x -> type.equals(x.type())).toList();
        assertThat(t).as("%s triggers of the ScaledObject", type).hasSize(1);
        return t.get(0);
    }

    static void checkLagTrigger(
            Keda.ScaledObject so, Keda.ScaledObject.Trigger lag, Map<String, List<Object>> typed)
            throws IOException {
        Map<String, String> m = lag.metadata();
        assertThat(m.keySet()).as("kafka trigger metadata").isSubsetOf(Keda.KAFKA_METADATA);
        ConfigMap config = KubernetesTest.digitsConfig(typed);
        assertThat(m.get("bootstrapServers"))
                .as("kafka trigger bootstrapServers")
                .isEqualTo(config.getData().get("KAFKA_BOOTSTRAP_SERVERS"));
        assertThat(m.get("consumerGroup"))
                .as("kafka trigger consumerGroup")
                .isEqualTo(scoringGroup());
        assertThat(m.get("topic")).as("kafka trigger topic").isEqualTo(Topics.SAMPLES_TEST);
        assertThat(Long.parseLong(m.getOrDefault("lagThreshold", "10")))
                .as("kafka trigger lagThreshold")
                .isPositive();
        assertThat(m.getOrDefault("offsetResetPolicy", "latest"))
                .as("kafka trigger offsetResetPolicy (the group starts at the earliest offset)")
                .isEqualTo("earliest");
        assertThat(m.getOrDefault("allowIdleConsumers", "false"))
                .as("kafka trigger allowIdleConsumers (lag alone must stay within the partitions)")
                .isEqualTo("false");
        int partitions =
                Topics.ALL.stream()
                        .filter(t -> t.name().equals(Topics.SAMPLES_TEST))
                        .findFirst()
                        .orElseThrow()
                        .partitions();
        assertThat(so.spec().maxReplicaCount())
                .as("maxReplicaCount: at least a pod per partition of %s", Topics.SAMPLES_TEST)
                .isGreaterThanOrEqualTo(partitions);
        assertThat(m)
                .as("kafka trigger sasl/tls (they come from the TriggerAuthentication)")
                .doesNotContainKeys("sasl", "tls");
    }

    /**
     * The lag trigger logs in as the KEDA KafkaUser the way the listener wants (SCRAM-SHA-512 over
     * TLS, the cluster CA); that user may describe the group and the topic and nothing more.
     */
    static void checkAuthentication(
            Keda.ScaledObject.Trigger lag,
            List<Keda.TriggerAuthentication> auths,
            Map<String, List<Object>> typed,
            Map<String, JsonNode> users)
            throws IOException {
        assertThat(lag.authenticationRef()).as("kafka trigger authenticationRef").isNotNull();
        Keda.TriggerAuthentication auth =
                auths.stream()
                        .filter(a -> a.metadata().getName().equals(lag.authenticationRef().name()))
                        .findFirst()
                        .orElse(null);
        assertThat(auth).as("the TriggerAuthentication the kafka trigger names").isNotNull();
        Map<String, String> params = new HashMap<>();
        Map<String, ConfigMap> maps = new HashMap<>();
        all(typed, ConfigMap.class).forEach(c -> maps.put(c.getMetadata().getName(), c));
        for (Keda.TriggerAuthentication.TargetRef r : orEmpty(auth.spec().configMapTargetRef())) {
            ConfigMap c = maps.get(r.name());
            assertThat(c)
                    .as("the ConfigMap %s of parameter %s", r.name(), r.parameter())
                    .isNotNull();
            params.put(r.parameter(), c.getData().get(r.key()));
        }
        Kafka kafka = all(typed, Kafka.class).get(0);
        String cluster = kafka.getMetadata().getName();
        for (Keda.TriggerAuthentication.TargetRef r : orEmpty(auth.spec().secretTargetRef())) {
            params.put(r.parameter(), "secret " + r.name() + "/" + r.key());
        }
        assertThat(params.keySet()).as("authentication parameters").isSubsetOf(Keda.KAFKA_AUTH);
        String user = params.get("username");
        assertThat(user).as("username").isEqualTo(KEDA_USER);
        assertThat(params)
                .as("authentication parameters")
                .containsEntry("sasl", "scram_sha512")
                .containsEntry("tls", "enable")
                .containsEntry("password", "secret " + user + "/password")
                .containsEntry("ca", "secret " + cluster + "-cluster-ca-cert/ca.crt");
        assertThat(kafka.getSpec().getKafka().getListeners().get(0).getAuth().getType())
                .as("the listener's authentication")
                .isEqualTo("scram-sha-512");
        JsonNode u = users.get(user);
        assertThat(u).as("the KafkaUser %s", user).isNotNull();
        assertThat(u.at("/spec/authentication/type").asText()).isEqualTo("scram-sha-512");
        List<String> acls = new ArrayList<>();
        for (JsonNode a : u.at("/spec/authorization/acls")) {
            for (JsonNode op : a.get("operations")) {
                acls.add(
                        a.at("/resource/type").asText()
                                + " "
                                + a.at("/resource/name").asText()
                                + " "
                                + a.at("/resource/patternType").asText()
                                + " "
                                + op.asText());
            }
        }
        assertThat(acls)
                .as("the ACLs of %s: what KEDA's Kafka scaler needs, nothing more", user)
                .containsExactlyInAnyOrder(
                        "topic " + Topics.SAMPLES_TEST + " literal Describe",
                        "group " + scoringGroup() + " literal Describe");
    }

    static <T> List<T> orEmpty(List<T> l) {
        return l == null ? List.of() : l;
    }

    static <T extends HasMetadata> T byName(List<T> items, String name) {
        return KubernetesTest.byName(items, name);
    }

    static Map<String, JsonNode> users(List<JsonNode> docs) {
        Map<String, JsonNode> users = new HashMap<>();
        docs.stream()
                .filter(d -> d.get("kind").asText().equals("KafkaUser"))
                .forEach(d -> users.put(d.at("/metadata/name").asText(), d));
        return users;
    }

    @Test
    void productionScalesOnCpuAndProductionKedaOnLagAndCpu() throws Exception {
        List<JsonNode> production = render("production");
        checkAutoscaling(typed(production), users(production), false);
        assertThat(all(typed(production), HorizontalPodAutoscaler.class))
                .extracting(h -> h.getSpec().getScaleTargetRef().getName())
                .containsExactly(INFERENCE);
        List<JsonNode> keda = render("production-keda");
        checkAutoscaling(typed(keda), users(keda), true);
        // the same workloads otherwise: production-keda is production with the autoscaler swapped
        assertThat(kinds(keda)).containsExactlyInAnyOrderElementsOf(swapped(kinds(production)));
    }

    static List<String> kinds(List<JsonNode> docs) {
        return docs.stream()
                .map(d -> d.get("kind").asText() + "/" + d.at("/metadata/name").asText())
                .toList();
    }

    static List<String> swapped(List<String> production) {
        List<String> out = new ArrayList<>(production);
        assertThat(out.remove("HorizontalPodAutoscaler/" + INFERENCE)).isTrue();
        out.addAll(
                Set.of(
                        "ScaledObject/" + INFERENCE,
                        "TriggerAuthentication/inference-service-lag",
                        "ConfigMap/" + KEDA_USER,
                        "KafkaUser/" + KEDA_USER));
        return out;
    }

    /** Each guarantee of {@link #checkAutoscaling} fails when production-keda breaks it. */
    @ParameterizedTest(name = "{0} {1}: {2} {3} = {4}")
    @CsvSource(
            delimiter = '|',
            textBlock =
                    """
        ScaledObject | inference-service | /spec/triggers/0/metadata | consumerGroup | mmdigits-inference-scoring | consumerGroup
        ScaledObject | inference-service | /spec/triggers/0/metadata | topic | digits.samples.train | kafka trigger topic
        ScaledObject | inference-service | /spec/triggers/0/metadata | bootstrapServers | localhost:9092 | bootstrapServers
        ScaledObject | inference-service | /spec/triggers/0/metadata | allowIdleConsumers | '"true"' | allowIdleConsumers
        ScaledObject | inference-service | /spec/triggers/0/metadata | offsetResetPolicy | - | offsetResetPolicy
        ScaledObject | inference-service | /spec/triggers/0/metadata | lagThershold | '"5"' | kafka trigger metadata
        ScaledObject | inference-service | /spec/triggers/0/metadata | sasl | plaintext | sasl/tls
        ScaledObject | inference-service | /spec | maxReplicaCount | 3 | maxReplicaCount
        ScaledObject | inference-service | /spec | minReplicaCount | 1 | minReplicaCount
        ScaledObject | inference-service | /spec/scaleTargetRef | kind | Deployment | the kind it scales
        ScaledObject | inference-service | /spec/triggers/0/authenticationRef | name | kafka-auth | the TriggerAuthentication the kafka trigger names
        ScaledObject | inference-service | /spec/triggers/1 | metricType | AverageValue | cpu trigger metricType
        TriggerAuthentication | inference-service-lag | /spec/secretTargetRef/0 | name | mmdigits-inference | password
        TriggerAuthentication | inference-service-lag | /spec/secretTargetRef/1 | key | tls.crt | ca
        ConfigMap | mmdigits-keda | /data | sasl | scram_sha256 | sasl
        ConfigMap | mmdigits-keda | /data | username | mmdigits-inference | username
        KafkaUser | mmdigits-keda | /spec/authorization/acls/0 | operations | [Describe, Read] | nothing more
        KafkaUser | mmdigits-keda | /spec/authorization/acls/1/resource | patternType | prefix | nothing more
        """)
    void aBrokenAutoscalerFails(
            String kind, String name, String parent, String field, String value, String expected)
            throws Exception {
        List<JsonNode> docs = render("production-keda");
        check(docs);
        KubernetesTest.breakField(docs, kind, name, parent, field, value);
        assertThatThrownBy(() -> check(docs))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining(expected);
    }

    /** The autoscaler and what it scales (its target, minimum and the PDB beside it). */
    static void check(List<JsonNode> docs) throws Exception {
        Map<String, List<Object>> typed = typed(docs);
        checkAutoscaling(typed, users(docs), true);
        KubernetesTest.checkWorkloads(typed);
    }

    @Test
    void aMisspeltKedaFieldFails() throws Exception {
        for (String where :
                List.of(
                        "ScaledObject:/spec:minReplicas",
                        "ScaledObject:/spec/triggers/0:authRef",
                        "TriggerAuthentication:/spec:secretTargetRefs")) {
            String[] w = where.split(":");
            JsonNode doc =
                    render("production-keda").stream()
                            .filter(d -> d.get("kind").asText().equals(w[0]))
                            .findFirst()
                            .orElseThrow();
            KubernetesTest.parseTyped(doc);
            ((ObjectNode) doc.at(w[1])).put(w[2], 1);
            assertThatThrownBy(() -> KubernetesTest.parseTyped(doc))
                    .as(where)
                    .hasMessageContaining(w[2]);
        }
    }
}
