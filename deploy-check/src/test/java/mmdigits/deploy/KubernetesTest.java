package mmdigits.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import mmdigits.common.Topics;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * deploy/, checked without a cluster: {@code kubectl kustomize} renders every overlay; every
 * document parses into the fabric8 model with no unknown field; selectors match pod labels; probes
 * use the services' health paths and ports; environment names are settings of the services; the
 * Strimzi topics are the project's topics; non-root with a read-only root filesystem.
 */
class KubernetesTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final Map<String, Class<?>> TYPED =
            Map.ofEntries(
                    Map.entry("Deployment", Deployment.class),
                    Map.entry("Service", Service.class),
                    Map.entry("ConfigMap", ConfigMap.class),
                    Map.entry("PersistentVolumeClaim", PersistentVolumeClaim.class),
                    Map.entry("Job", Job.class),
                    Map.entry("HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
                    Map.entry("PodDisruptionBudget", PodDisruptionBudget.class),
                    Map.entry("NetworkPolicy", NetworkPolicy.class),
                    // Strimzi's own model of its resources: unknown (misspelt) fields land in
                    // additionalProperties there too
                    Map.entry("Kafka", Kafka.class),
                    Map.entry("KafkaNodePool", KafkaNodePool.class),
                    Map.entry("KafkaTopic", KafkaTopic.class),
                    Map.entry("KafkaUser", KafkaUser.class));

    /**
     * The kubectl {@code ./digits deps} pins in tools/kubectl/bin (Debian's is too old for these
     * kustomizations), else the PATH's.
     */
    static String kubectl() {
        Path pinned = ServiceConfig.root().resolve("tools/kubectl/bin/kubectl");
        return Files.isExecutable(pinned) ? pinned.toString() : "kubectl";
    }

    static List<JsonNode> render(String overlay) throws Exception {
        Process p =
                new ProcessBuilder(kubectl(), "kustomize", "deploy/overlays/" + overlay)
                        .directory(ServiceConfig.root().toFile())
                        .redirectErrorStream(false)
                        .start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("kubectl kustomize %s: %s", overlay, err).isZero();
        List<JsonNode> docs = new ArrayList<>();
        try (JsonParser parser = YAML.getFactory().createParser(out)) {
            YAML.readValues(parser, JsonNode.class)
                    .forEachRemaining(
                            d -> {
                                if (d != null && !d.isNull() && !d.isEmpty()) {
                                    docs.add(d);
                                }
                            });
        }
        return docs;
    }

    /**
     * Fails on any field the typed model did not know (fabric8 and Strimzi keep them in
     * additionalProperties).
     */
    static void assertNoUnknownFields(Object o, String path, Map<Object, Boolean> seen)
            throws IllegalAccessException {
        if (o == null || seen.containsKey(o)) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                assertNoUnknownFields(e, path + "[" + i++ + "]", seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) {
                assertNoUnknownFields(e.getValue(), path + "." + e.getKey(), seen);
            }
            return;
        }
        if (o instanceof Enum<?>
                || !o.getClass().getName().startsWith("io.fabric8.")
                        && !o.getClass().getName().startsWith("io.strimzi.")) {
            return;
        }
        seen.put(o, true);
        for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                f.setAccessible(true);
                Object v = f.get(o);
                if (f.getName().equals("additionalProperties")) {
                    assertThat((Map<?, ?>) v)
                            .as("unknown fields at %s (%s)", path, c.getSimpleName())
                            .isNullOrEmpty();
                } else {
                    assertNoUnknownFields(v, path + "." + f.getName(), seen);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "production", "gpu"})
    void everyOverlayRendersIntoValidConsistentDocuments(String overlay) throws Exception {
        List<JsonNode> docs = render(overlay);
        Map<String, List<Object>> typed = new HashMap<>();
        List<JsonNode> topics = new ArrayList<>();
        Map<String, JsonNode> users = new HashMap<>();
        for (JsonNode d : docs) {
            String kind = d.get("kind").asText();
            assertThat(TYPED).as("a kind this check knows").containsKey(kind);
            Object o = parseTyped(d);
            typed.computeIfAbsent(kind, k -> new ArrayList<>()).add(o);
            if (kind.startsWith("Kafka")) {
                assertThat(d.get("apiVersion").asText()).isEqualTo("kafka.strimzi.io/v1beta2");
            }
            if (kind.equals("KafkaTopic")) {
                topics.add(d);
            } else if (kind.equals("KafkaUser")) {
                users.put(d.at("/metadata/name").asText(), d);
            }
        }
        Map<String, ServiceConfig> services = ServiceConfig.all();
        ConfigMap config = (ConfigMap) typed.get("ConfigMap").get(0);
        Set<String> pvcs =
                typed.get("PersistentVolumeClaim").stream()
                        .map(p -> ((PersistentVolumeClaim) p).getMetadata().getName())
                        .collect(Collectors.toSet());
        List<Deployment> deployments =
                typed.get("Deployment").stream().map(Deployment.class::cast).toList();
        assertThat(deployments)
                .extracting(d -> d.getMetadata().getName())
                .containsExactlyInAnyOrderElementsOf(services.keySet());

        for (Deployment d : deployments) {
            String name = d.getMetadata().getName();
            ServiceConfig sc = services.get(name);
            Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
            assertThat(podLabels).containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
            PodSpec pod = d.getSpec().getTemplate().getSpec();
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(name).isTrue();
            Container c = pod.getContainers().get(0);
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as(name).isTrue();
            assertThat(c.getPorts().get(0).getContainerPort()).as(name).isEqualTo(sc.port());
            for (Probe probe : List.of(c.getLivenessProbe(), c.getReadinessProbe())) {
                assertThat(probe.getHttpGet().getPath())
                        .as(name)
                        .isIn("/q/health/live", "/q/health/ready");
                assertThat(probe.getHttpGet().getPort().getIntVal()).as(name).isEqualTo(sc.port());
            }
            checkEnv(name, sc, c, config);
            checkSecurity(name, pod, c, overlay);
            assertThat(c.getEnvFrom().get(0).getConfigMapRef().getName())
                    .isEqualTo(config.getMetadata().getName());
            for (Volume v : pod.getVolumes()) {
                if (v.getPersistentVolumeClaim() != null) {
                    assertThat(pvcs).contains(v.getPersistentVolumeClaim().getClaimName());
                }
            }
        }
        for (Object o : typed.get("Service")) {
            Service s = (Service) o;
            Deployment target =
                    deployments.stream()
                            .filter(
                                    d ->
                                            d.getSpec()
                                                    .getTemplate()
                                                    .getMetadata()
                                                    .getLabels()
                                                    .entrySet()
                                                    .containsAll(
                                                            s.getSpec().getSelector().entrySet()))
                            .findFirst()
                            .orElse(null);
            assertThat(target)
                    .as("pods selected by service %s", s.getMetadata().getName())
                    .isNotNull();
            String portName = s.getSpec().getPorts().get(0).getTargetPort().getStrVal();
            assertThat(target.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts())
                    .extracting(p -> p.getName())
                    .contains(portName);
            assertThat(s.getSpec().getPorts().get(0).getPort())
                    .isEqualTo(services.get(target.getMetadata().getName()).port());
        }
        Job job = (Job) typed.get("Job").get(0);
        checkEnv(
                "ingest Job",
                services.get("ingest-service"),
                job.getSpec().getTemplate().getSpec().getContainers().get(0),
                config);
        checkSecurity(
                "ingest-service",
                job.getSpec().getTemplate().getSpec(),
                job.getSpec().getTemplate().getSpec().getContainers().get(0),
                overlay);
        checkKafkaUsers(users);
        assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                .extracting(EnvVar::getName)
                .contains("INGEST_EXIT_AFTER_STARTUP_JOB", "INGEST_DATA_DIR");
        for (Object o : typed.getOrDefault("PodDisruptionBudget", List.of())) {
            PodDisruptionBudget pdb = (PodDisruptionBudget) o;
            assertThat(deployments)
                    .anySatisfy(
                            d ->
                                    assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
                                            .containsAllEntriesOf(
                                                    pdb.getSpec().getSelector().getMatchLabels()));
        }
        for (Object o : typed.getOrDefault("HorizontalPodAutoscaler", List.of())) {
            HorizontalPodAutoscaler hpa = (HorizontalPodAutoscaler) o;
            assertThat(deployments)
                    .extracting(d -> d.getMetadata().getName())
                    .contains(hpa.getSpec().getScaleTargetRef().getName());
        }

        // Strimzi: the project's topics, exactly
        assertThat(topics).hasSize(Topics.ALL.size());
        for (Topics.Spec spec : Topics.ALL) {
            JsonNode t =
                    topics.stream()
                            .filter(n -> n.at("/spec/topicName").asText().equals(spec.name()))
                            .findFirst()
                            .orElse(null);
            assertThat(t).as(spec.name()).isNotNull();
            assertThat(t.at("/spec/partitions").asInt())
                    .as(spec.name())
                    .isEqualTo(spec.partitions());
            Map<String, String> cfg = new HashMap<>();
            t.at("/spec/config")
                    .fields()
                    .forEachRemaining(e -> cfg.put(e.getKey(), e.getValue().asText()));
            Map<String, String> expected = new HashMap<>(spec.configs());
            if (overlay.equals("production")) {
                expected.put("min.insync.replicas", "2");
            }
            assertThat(cfg).as(spec.name()).isEqualTo(expected);
            assertThat(t.at("/metadata/labels/strimzi.io~1cluster").asText()).isEqualTo("digits");
        }
        JsonNode kafka =
                docs.stream()
                        .filter(d -> d.get("kind").asText().equals("Kafka"))
                        .findFirst()
                        .orElseThrow();
        // every listener authenticates (SCRAM over TLS) and the ACLs of the KafkaUsers are enforced
        assertThat(kafka.at("/spec/kafka/listeners"))
                .allSatisfy(
                        l -> {
                            assertThat(l.at("/authentication/type").asText())
                                    .isEqualTo("scram-sha-512");
                            assertThat(l.at("/tls").asBoolean()).isTrue();
                        });
        assertThat(kafka.at("/spec/kafka/authorization/type").asText()).isEqualTo("simple");
        assertThat(kafka.at("/spec/entityOperator/userOperator").isObject()).isTrue();
        assertThat(kafka.at("/metadata/annotations/strimzi.io~1kraft").asText())
                .isEqualTo("enabled");
        assertThat(kafka.at("/metadata/annotations/strimzi.io~1node-pools").asText())
                .isEqualTo("enabled");
        String client = AppInfoParser.getVersion();
        assertThat(kafka.at("/spec/kafka/version").asText().split("\\.")[0])
                .isEqualTo(client.split("\\.")[0]);
        assertThat(config.getData().get("KAFKA_BOOTSTRAP_SERVERS"))
                .isEqualTo(
                        kafka.at("/metadata/name").asText()
                                + "-kafka-bootstrap:"
                                + kafka.at("/spec/kafka/listeners/0/port").asInt());
        JsonNode pool =
                docs.stream()
                        .filter(d -> d.get("kind").asText().equals("KafkaNodePool"))
                        .findFirst()
                        .orElseThrow();
        assertThat(pool.at("/spec/roles").toString()).contains("controller").contains("broker");
        checkNetworkPolicies(
                typed.get("NetworkPolicy").stream().map(NetworkPolicy.class::cast).toList(),
                deployments,
                job,
                services);
        if (overlay.equals("production")) {
            checkProduction(kafka, pool, topics, deployments, typed);
        }
        Deployment trainer =
                deployments.stream()
                        .filter(d -> d.getMetadata().getName().equals("trainer-service"))
                        .findFirst()
                        .orElseThrow();
        checkGpu(trainer.getSpec().getTemplate().getSpec(), overlay.equals("gpu"));
    }

    /** A document of a known kind in its typed model, every field known to it. */
    static Object parseTyped(JsonNode d) throws Exception {
        String kind = d.get("kind").asText();
        Object o = YAML.treeToValue(d, TYPED.get(kind));
        assertNoUnknownFields(
                o, kind + "/" + d.at("/metadata/name").asText(), new IdentityHashMap<>());
        return o;
    }

    /**
     * A misspelt field anywhere in a Strimzi resource fails the check as it does for the core
     * kinds.
     */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "Kafka:/spec/kafka:listner",
                "KafkaNodePool:/spec:replica",
                "KafkaTopic:/spec:partition",
                "KafkaUser:/spec/authorization:acl",
                "Kafka:/spec/entityOperator:userOperater",
                "Deployment:/spec:replica"
            })
    void aMisspeltFieldFails(String where) throws Exception {
        String[] w = where.split(":");
        JsonNode doc =
                render("production").stream()
                        .filter(d -> d.get("kind").asText().equals(w[0]))
                        .findFirst()
                        .orElseThrow()
                        .deepCopy();
        parseTyped(doc);
        ((ObjectNode) doc.at(w[1])).put(w[2], 1);
        assertThatThrownBy(() -> parseTyped(doc))
                .hasMessageContaining("unknown fields")
                .hasMessageContaining(w[2]);
    }

    /**
     * Every pod of ours is isolated both ways: reached only on the ports its containers declare —
     * HTTP, and gRPC for inference-service — (the Job on none), reaching only the Strimzi brokers
     * on their TLS port and the cluster DNS (the Job also HTTPS, for the demo data's MNIST).
     */
    static void checkNetworkPolicies(
            List<NetworkPolicy> policies,
            List<Deployment> deployments,
            Job job,
            Map<String, ServiceConfig> services) {
        Map<String, Map<String, String>> pods = new HashMap<>();
        Map<String, List<Integer>> declared = new HashMap<>();
        deployments.forEach(
                d ->
                        pods.put(
                                d.getMetadata().getName(),
                                d.getSpec().getTemplate().getMetadata().getLabels()));
        deployments.forEach(
                d ->
                        declared.put(
                                d.getMetadata().getName(),
                                d.getSpec().getTemplate().getSpec().getContainers().stream()
                                        .flatMap(c -> c.getPorts().stream())
                                        .map(ContainerPort::getContainerPort)
                                        .toList()));
        pods.put("ingest-dataset", job.getSpec().getTemplate().getMetadata().getLabels());
        for (Map.Entry<String, Map<String, String>> pod : pods.entrySet()) {
            List<NetworkPolicy> selecting =
                    policies.stream()
                            .filter(
                                    p ->
                                            pod.getValue()
                                                    .entrySet()
                                                    .containsAll(
                                                            p.getSpec()
                                                                    .getPodSelector()
                                                                    .getMatchLabels()
                                                                    .entrySet()))
                            .toList();
            assertThat(selecting).as("the NetworkPolicy of %s", pod.getKey()).hasSize(1);
            NetworkPolicy p = selecting.get(0);
            assertThat(p.getSpec().getPolicyTypes())
                    .as(pod.getKey())
                    .containsExactlyInAnyOrder("Ingress", "Egress");
            ServiceConfig sc = services.get(pod.getKey());
            List<Integer> ingressPorts =
                    p.getSpec().getIngress().stream()
                            .flatMap(r -> r.getPorts().stream())
                            .map(port -> port.getPort().getIntVal())
                            .toList();
            assertThat(ingressPorts)
                    .as("%s is reached on", pod.getKey())
                    .isEqualTo(sc == null ? List.of() : declared.get(pod.getKey()));
            if (sc != null) {
                assertThat(ingressPorts)
                        .as("%s is reached on its HTTP port", pod.getKey())
                        .contains(sc.port());
            }
            for (NetworkPolicyEgressRule rule : p.getSpec().getEgress()) {
                List<Integer> ports =
                        rule.getPorts().stream().map(port -> port.getPort().getIntVal()).toList();
                if (rule.getTo().isEmpty()) {
                    assertThat(pod.getKey())
                            .as("egress anywhere (%s)", ports)
                            .isEqualTo("ingest-dataset");
                    assertThat(ports).containsExactly(443);
                } else if (ports.contains(53)) {
                    assertThat(rule.getTo())
                            .allSatisfy(
                                    peer ->
                                            assertThat(peer.getPodSelector().getMatchLabels())
                                                    .containsEntry("k8s-app", "kube-dns"));
                } else {
                    assertThat(ports).as("%s reaches Kafka on", pod.getKey()).containsExactly(9093);
                    assertThat(rule.getTo())
                            .allSatisfy(
                                    peer ->
                                            assertThat(peer.getPodSelector().getMatchLabels())
                                                    .containsEntry("strimzi.io/cluster", "digits")
                                                    .containsEntry("strimzi.io/kind", "Kafka"));
                }
            }
        }
    }

    /**
     * Production: three Kafka nodes; every topic, the consumer offsets and the transaction log on
     * three replicas with min.insync.replicas 2; requests and limits on every container (Kafka's
     * too); a disruption budget per service.
     */
    static void checkProduction(
            JsonNode kafka,
            JsonNode pool,
            List<JsonNode> topics,
            List<Deployment> deployments,
            Map<String, List<Object>> typed) {
        assertThat(pool.at("/spec/replicas").asInt()).isEqualTo(3);
        JsonNode config = kafka.at("/spec/kafka/config");
        assertThat(config.get("offsets.topic.replication.factor").asInt()).isEqualTo(3);
        assertThat(config.get("transaction.state.log.replication.factor").asInt()).isEqualTo(3);
        assertThat(config.get("transaction.state.log.min.isr").asInt()).isEqualTo(2);
        assertThat(config.get("default.replication.factor").asInt()).isEqualTo(3);
        assertThat(config.get("min.insync.replicas").asInt()).isEqualTo(2);
        assertThat(config.get("unclean.leader.election.enable").asBoolean()).isFalse();
        assertThat(topics)
                .allSatisfy(
                        t -> {
                            assertThat(t.at("/spec/replicas").asInt())
                                    .as(t.at("/spec/topicName").asText())
                                    .isEqualTo(3);
                            assertThat(t.at("/spec/config/min.insync.replicas").asText())
                                    .as(t.at("/spec/topicName").asText())
                                    .isEqualTo("2");
                        });
        for (String r :
                List.of(
                        "/spec/resources/requests/memory",
                        "/spec/resources/limits/memory",
                        "/spec/resources/requests/cpu")) {
            assertThat(pool.at(r).isMissingNode()).as("KafkaNodePool %s", r).isFalse();
        }
        for (Deployment d : deployments) {
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertThat(c.getResources().getRequests())
                    .as(d.getMetadata().getName())
                    .containsKeys("cpu", "memory");
            assertThat(c.getResources().getLimits())
                    .as(d.getMetadata().getName())
                    .containsKeys("cpu", "memory");
            assertThat(typed.get("PodDisruptionBudget"))
                    .as("a PodDisruptionBudget of %s", d.getMetadata().getName())
                    .anySatisfy(
                            o ->
                                    assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
                                            .containsAllEntriesOf(
                                                    ((PodDisruptionBudget) o)
                                                            .getSpec()
                                                            .getSelector()
                                                            .getMatchLabels()));
        }
    }

    /**
     * The GPU overlay asks for a GPU and goes where one is (the GPU pool's node label and taint);
     * the others do not.
     */
    static void checkGpu(PodSpec trainer, boolean gpu) {
        Container c = trainer.getContainers().get(0);
        Map<String, ?> limits =
                c.getResources() == null || c.getResources().getLimits() == null
                        ? Map.of()
                        : c.getResources().getLimits();
        if (!gpu) {
            assertThat(limits).doesNotContainKey("nvidia.com/gpu");
            return;
        }
        assertThat(limits.get("nvidia.com/gpu")).hasToString("1");
        assertThat(c.getResources().getRequests().get("nvidia.com/gpu")).hasToString("1");
        assertThat(trainer.getNodeSelector()).containsEntry("nvidia.com/gpu.present", "true");
        assertThat(trainer.getTolerations())
                .anySatisfy(
                        t -> {
                            assertThat(t.getKey()).isEqualTo("nvidia.com/gpu");
                            assertThat(t.getEffect()).isEqualTo("NoSchedule");
                        });
    }

    /** What each KafkaUser may do: topic -> operations (and that nothing else is allowed). */
    static final Map<String, Map<String, Set<String>>> ACLS =
            Map.of(
                    "mmdigits-ingest",
                            Map.of(
                                    "digits.samples.train",
                                    Set.of("Write", "Describe"),
                                    "digits.samples.test",
                                    Set.of("Write", "Describe"),
                                    "digits.events",
                                    Set.of("Write", "Describe")),
                    "mmdigits-trainer",
                            Map.of(
                                    "digits.samples.train",
                                    Set.of("Read", "Describe"),
                                    "digits.events",
                                    Set.of("Read", "Write", "Describe"),
                                    "digits.models",
                                    Set.of("Read", "Write", "Describe"),
                                    "digits.dead-letter",
                                    Set.of("Write", "Describe")),
                    "mmdigits-inference",
                            Map.of(
                                    "digits.samples.test",
                                    Set.of("Read", "Describe"),
                                    "digits.models",
                                    Set.of("Read", "Describe"),
                                    "digits.events",
                                    Set.of("Read", "Write", "Describe"),
                                    "digits.predictions",
                                    Set.of("Write", "Describe"),
                                    "digits.embeddings",
                                    Set.of("Write", "Describe"),
                                    "digits.dead-letter",
                                    Set.of("Write", "Describe")),
                    "mmdigits-viz",
                            Map.of(
                                    "digits.embeddings",
                                    Set.of("Read", "Describe"),
                                    "digits.samples.test",
                                    Set.of("Read", "Describe"),
                                    "digits.events",
                                    Set.of("Read", "Write", "Describe"),
                                    "digits.dead-letter",
                                    Set.of("Write", "Describe")));

    static void checkKafkaUsers(Map<String, JsonNode> users) {
        assertThat(users.keySet()).containsExactlyInAnyOrderElementsOf(ACLS.keySet());
        for (Map.Entry<String, JsonNode> u : users.entrySet()) {
            assertThat(u.getValue().at("/spec/authentication/type").asText())
                    .isEqualTo("scram-sha-512");
            Map<String, Set<String>> topics = new HashMap<>();
            for (JsonNode acl : u.getValue().at("/spec/authorization/acls")) {
                String type = acl.at("/resource/type").asText();
                Set<String> ops = new HashSet<>();
                acl.get("operations").forEach(o -> ops.add(o.asText()));
                if (type.equals("topic")) {
                    assertThat(acl.at("/resource/patternType").asText())
                            .as("%s: topics by name", u.getKey())
                            .isEqualTo("literal");
                    topics.computeIfAbsent(acl.at("/resource/name").asText(), k -> new HashSet<>())
                            .addAll(ops);
                } else if (type.equals("group") || type.equals("transactionalId")) {
                    assertThat(acl.at("/resource/name").asText())
                            .as("%s: its own %s ids", u.getKey(), type)
                            .isEqualTo(u.getKey());
                    assertThat(acl.at("/resource/patternType").asText()).isEqualTo("prefix");
                } else {
                    assertThat(type).isEqualTo("cluster");
                    assertThat(ops).as("%s: on the cluster", u.getKey()).containsOnly("Describe");
                }
            }
            assertThat(topics)
                    .as("%s: topics and operations", u.getKey())
                    .isEqualTo(ACLS.get(u.getKey()));
        }
    }

    /**
     * Kafka as the service's own user over TLS; only the keys it needs; predictions and reports
     * closed in production.
     */
    static void checkSecurity(String service, PodSpec pod, Container c, String overlay) {
        Map<String, EnvVar> env =
                c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e, (a, b) -> b));
        String user = "mmdigits-" + service.substring(0, service.indexOf('-'));
        assertThat(env.get("KAFKA_SECURITY_PROTOCOL").getValue()).as(service).isEqualTo("SASL_SSL");
        assertThat(env.get("KAFKA_SASL_MECHANISM").getValue())
                .as(service)
                .isEqualTo("SCRAM-SHA-512");
        assertThat(env.get("KAFKA_SASL_JAAS_CONFIG").getValueFrom().getSecretKeyRef().getName())
                .as(service)
                .isEqualTo(user);
        assertThat(env.get("KAFKA_SASL_JAAS_CONFIG").getValueFrom().getSecretKeyRef().getKey())
                .isEqualTo("sasl.jaas.config");
        assertThat(env.get("KAFKA_SSL_TRUSTSTORE_LOCATION").getValue())
                .startsWith("/etc/kafka-ca/");
        assertThat(env.get("MP_JWT_VERIFY_PUBLICKEY_LOCATION").getValue())
                .isEqualTo("/etc/mmdigits/keys/jwt-public.pem");
        Volume keys =
                pod.getVolumes().stream()
                        .filter(v -> v.getName().equals("keys"))
                        .findFirst()
                        .orElseThrow();
        assertThat(keys.getSecret().getSecretName()).isEqualTo("mmdigits-keys");
        List<String> items = keys.getSecret().getItems().stream().map(i -> i.getKey()).toList();
        assertThat(items)
                .as("%s: keys mounted", service)
                .contains("jwt-public.pem")
                .doesNotContain("jwt-private.pem");
        assertThat(items.contains("release-signing.pem"))
                .as("%s holds the release signing key", service)
                .isEqualTo(service.equals("trainer-service"));
        assertThat(env.containsKey("MMDIGITS_RELEASES_VERIFY_KEY"))
                .as("%s verifies releases", service)
                .isEqualTo(
                        service.equals("trainer-service") || service.equals("inference-service"));
        boolean production = overlay.equals("production");
        if (service.equals("inference-service")) {
            assertThat(
                            env.containsKey("MMDIGITS_AUTH_PREDICTIONS")
                                    && env.get("MMDIGITS_AUTH_PREDICTIONS")
                                            .getValue()
                                            .equals("predict"))
                    .as("predictions closed in %s", overlay)
                    .isEqualTo(production);
        }
        if (service.equals("viz-service")) {
            assertThat(
                            env.containsKey("MMDIGITS_AUTH_REPORTS")
                                    && env.get("MMDIGITS_AUTH_REPORTS")
                                            .getValue()
                                            .equals("authenticated"))
                    .as("reports closed in %s", overlay)
                    .isEqualTo(production);
        }
    }

    static void checkEnv(String what, ServiceConfig sc, Container c, ConfigMap config) {
        for (EnvVar e : c.getEnv()) {
            assertThat(sc.readsEnv(e.getName()))
                    .as("%s: %s is not a setting of %s", what, e.getName(), sc.name())
                    .isTrue();
        }
        for (String key : config.getData().keySet()) {
            assertThat(sc.readsEnv(key))
                    .as("ConfigMap key %s is not a setting of %s", key, sc.name())
                    .isTrue();
        }
        assertThat(config.getData())
                .containsEntry("ORT_DISABLE_TELEMETRY", "1")
                .containsEntry("OPT_OUT_TRACKING", "true");
        assertThat(config.getData().get("JAVA_OPTS")).contains("-Dai.djl.offline=true");
    }

    @Test
    void productionScalesInferenceAndSetsResourcesGpuReservesAGpu() throws Exception {
        List<JsonNode> prod = render("production");
        assertThat(prod)
                .anySatisfy(
                        d -> {
                            assertThat(d.get("kind").asText()).isEqualTo("HorizontalPodAutoscaler");
                            assertThat(d.at("/spec/scaleTargetRef/name").asText())
                                    .isEqualTo("inference-service");
                        });
        for (JsonNode d : prod) {
            if (d.get("kind").asText().equals("Deployment")) {
                assertThat(
                                d.at("/spec/template/spec/containers/0/resources/limits/memory")
                                        .asText())
                        .as(d.at("/metadata/name").asText())
                        .isNotEmpty();
            }
        }
        JsonNode trainer =
                render("gpu").stream()
                        .filter(
                                d ->
                                        d.get("kind").asText().equals("Deployment")
                                                && d.at("/metadata/name")
                                                        .asText()
                                                        .equals("trainer-service"))
                        .findFirst()
                        .orElseThrow();
        assertThat(
                        trainer.at(
                                        "/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu")
                                .asText())
                .isEqualTo("1");
        assertThat(trainer.at("/spec/template/spec/containers/0/image").asText())
                .endsWith(":0.1.0-gpu");
        JsonNode local =
                render("local").stream()
                        .filter(
                                d ->
                                        d.get("kind").asText().equals("Deployment")
                                                && d.at("/metadata/name")
                                                        .asText()
                                                        .equals("inference-service"))
                        .findFirst()
                        .orElseThrow();
        assertThat(local.at("/spec/replicas").asInt()).isEqualTo(1);
    }
}
