package mmdigits.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.ObjectFieldSelector;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PodMetricsEndpoint;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
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
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import mmdigits.common.Topics;
import mmdigits.common.kafka.KafkaAccess;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * deploy/, checked without a cluster: {@code kubectl kustomize} renders every overlay; every
 * document parses into the fabric8 model with no unknown field; selectors match pod labels; probes
 * use the services' health paths and ports; environment names are settings of the services; the
 * Strimzi topics are the project's topics; the services are StatefulSets whose pod names are their
 * Kafka identities, on ReadWriteOnce volumes, under Pod Security "restricted", with an HPA and PDBs
 * that agree ({@link #checkWorkloads}, each guarantee shown to fail by {@link
 * #aBrokenWorkloadFails}); production's PodMonitors scrape every service's pods on /q/metrics with
 * the service's name as the job ({@link #checkMonitoring}, shown to fail by {@link
 * #aBrokenPodMonitorFails}; AlertRulesTest compares its PrometheusRule with the rule file).
 */
class KubernetesTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final Map<String, Class<?>> TYPED =
            Map.ofEntries(
                    Map.entry("StatefulSet", StatefulSet.class),
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
                    Map.entry("KafkaUser", KafkaUser.class),
                    // the Prometheus Operator's (fabric8's model of monitoring.coreos.com/v1)
                    Map.entry("PodMonitor", PodMonitor.class),
                    Map.entry("PrometheusRule", PrometheusRule.class),
                    // KEDA's (typed here from its reference: no Java model of it is published)
                    Map.entry("ScaledObject", Keda.ScaledObject.class),
                    Map.entry("TriggerAuthentication", Keda.TriggerAuthentication.class));

    /** The setting of a pod's Kafka identity (mmdigits.instance-id). */
    static final String INSTANCE_ID = "MMDIGITS_INSTANCE_ID";

    /** The Secret of the public keys every pod may mount. */
    static final String PUBLIC_KEYS = "mmdigits-keys";

    /** The Secret of the release-signing private key, the trainer's alone, and its item. */
    static final String SIGNING_KEY = "mmdigits-release-signing";

    static final String SIGNING_KEY_FILE = "release-signing.pem";

    /** What must outlive a pod: service → the setting of its output directory. */
    static final Map<String, String> OUTPUT_DIRS =
            Map.of("trainer-service", "TRAINER_ARTIFACTS_DIR", "viz-service", "VIZ_OUTPUT_DIR");

    /** The volume types Pod Security "restricted" admits. */
    static final Set<String> RESTRICTED_VOLUMES =
            Set.of(
                    "configMap",
                    "csi",
                    "downwardAPI",
                    "emptyDir",
                    "ephemeral",
                    "persistentVolumeClaim",
                    "projected",
                    "secret");

    /** The production overlay as rendered, for {@link #production()}. */
    static final List<JsonNode> PRODUCTION = new ArrayList<>();

    /**
     * The kubectl {@code ./digits deps cluster} pins in tools/kubectl/bin (Debian's is too old for
     * these kustomizations), else the PATH's.
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
    @ValueSource(strings = {"local", "production", "production-keda", "gpu"})
    void everyOverlayRendersIntoValidConsistentDocuments(String overlay) throws Exception {
        boolean production = overlay.startsWith("production");
        List<JsonNode> docs = render(overlay);
        Map<String, List<Object>> typed = typed(docs);
        List<JsonNode> topics = new ArrayList<>();
        Map<String, JsonNode> users = new HashMap<>();
        for (JsonNode d : docs) {
            String kind = d.get("kind").asText();
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
        ConfigMap config = digitsConfig(typed);
        Set<String> pvcs =
                typed.get("PersistentVolumeClaim").stream()
                        .map(p -> ((PersistentVolumeClaim) p).getMetadata().getName())
                        .collect(Collectors.toSet());
        List<StatefulSet> sets = all(typed, StatefulSet.class);
        assertThat(sets)
                .extracting(d -> d.getMetadata().getName())
                .containsExactlyInAnyOrderElementsOf(services.keySet());

        for (StatefulSet d : sets) {
            String name = d.getMetadata().getName();
            ServiceConfig sc = services.get(name);
            Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
            assertThat(podLabels).containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
            PodSpec pod = d.getSpec().getTemplate().getSpec();
            Container c = pod.getContainers().get(0);
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as(name).isTrue();
            assertThat(c.getPorts().get(0).getContainerPort()).as(name).isEqualTo(sc.port());
            for (Probe probe :
                    List.of(c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe())) {
                assertThat(probe.getHttpGet().getPath())
                        .as(name)
                        .isIn("/q/health/live", "/q/health/ready", "/q/health/started");
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
        for (Service s : all(typed, Service.class)) {
            StatefulSet target =
                    sets.stream()
                            .filter(d -> selects(s.getSpec().getSelector(), d))
                            .findFirst()
                            .orElse(null);
            assertThat(target)
                    .as("pods selected by service %s", s.getMetadata().getName())
                    .isNotNull();
            List<ContainerPort> declared =
                    target.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts();
            for (ServicePort port : s.getSpec().getPorts()) {
                assertThat(declared)
                        .extracting(ContainerPort::getName)
                        .contains(port.getTargetPort().getStrVal());
            }
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
        AutoscalingTest.checkAutoscaling(typed, users, overlay.equals("production-keda"));
        users.remove(AutoscalingTest.KEDA_USER);
        checkKafkaUsers(users);
        assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                .extracting(EnvVar::getName)
                .contains("INGEST_EXIT_AFTER_STARTUP_JOB", "INGEST_DATA_DIR");
        checkWorkloads(typed);

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
            if (production) {
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
                sets,
                job,
                services);
        if (production) {
            checkProduction(kafka, pool, topics, sets, typed);
        }
        // the monitoring component: production's alone (it needs the Prometheus Operator)
        boolean monitored = production;
        checkMonitoring(all(typed, PodMonitor.class), sets, monitored);
        assertThat(all(typed, PrometheusRule.class)).hasSize(monitored ? 1 : 0);
        StatefulSet trainer = byName(sets, "trainer-service");
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

    /** Every document in its typed model, by kind. */
    static Map<String, List<Object>> typed(List<JsonNode> docs) throws Exception {
        Map<String, List<Object>> typed = new HashMap<>();
        for (JsonNode d : docs) {
            String kind = d.get("kind").asText();
            assertThat(TYPED).as("a kind this check knows").containsKey(kind);
            typed.computeIfAbsent(kind, k -> new ArrayList<>()).add(parseTyped(d));
        }
        return typed;
    }

    /** The ConfigMap every service reads (configMapGenerator's: its name has a content hash). */
    static ConfigMap digitsConfig(Map<String, List<Object>> typed) {
        List<ConfigMap> c =
                all(typed, ConfigMap.class).stream()
                        .filter(m -> m.getMetadata().getName().startsWith("digits-config"))
                        .toList();
        assertThat(c).as("the ConfigMap digits-config").hasSize(1);
        return c.get(0);
    }

    static <T> List<T> all(Map<String, List<Object>> typed, Class<T> type) {
        return typed.getOrDefault(type.getSimpleName(), List.of()).stream()
                .map(type::cast)
                .toList();
    }

    static <T extends HasMetadata> T byName(List<T> items, String name) {
        return items.stream()
                .filter(i -> i.getMetadata().getName().equals(name))
                .findFirst()
                .orElse(null);
    }

    static boolean selects(Map<String, String> selector, StatefulSet s) {
        return s.getSpec()
                .getTemplate()
                .getMetadata()
                .getLabels()
                .entrySet()
                .containsAll(selector.entrySet());
    }

    static Map<String, EnvVar> env(Container c) {
        return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e, (a, b) -> b));
    }

    /** A probe field Kubernetes defaults when it is left out. */
    static int orDefault(Integer value, int byDefault) {
        return value == null ? byDefault : value;
    }

    /**
     * What carries the services through restarts, drains and scaling: pods named for good, volumes
     * every provisioner offers, Pod Security "restricted", probes that wait for a slow start and a
     * slow broker, the signing key only where releases are signed, an HPA and PDBs that agree.
     */
    static void checkWorkloads(Map<String, List<Object>> typed) {
        List<StatefulSet> sets = all(typed, StatefulSet.class);
        for (StatefulSet s : sets) {
            String name = s.getMetadata().getName();
            PodSpec pod = s.getSpec().getTemplate().getSpec();
            checkIdentity(s, all(typed, Service.class));
            checkProbes(name, pod.getContainers().get(0));
            checkVolumes(s);
            checkRestricted(name, pod);
            checkSigningKey(name, pod);
        }
        Job job = all(typed, Job.class).get(0);
        String jobName = "Job " + job.getMetadata().getName();
        checkRestricted(jobName, job.getSpec().getTemplate().getSpec());
        checkSigningKey(jobName, job.getSpec().getTemplate().getSpec());
        checkJobIdentity(job, sets);
        for (PersistentVolumeClaim c : all(typed, PersistentVolumeClaim.class)) {
            checkClaim("PersistentVolumeClaim " + c.getMetadata().getName(), c);
        }
        checkScaling(
                sets,
                all(typed, HorizontalPodAutoscaler.class),
                all(typed, Keda.ScaledObject.class),
                all(typed, PodDisruptionBudget.class));
    }

    /**
     * Pods named for good (the name is the instance id Kafka knows them by: static membership,
     * transactional id), a headless Service for those names beside the ClusterIP Service clients
     * use, started side by side, rolled one at a time, with time for a graceful drain.
     */
    static void checkIdentity(StatefulSet s, List<Service> services) {
        String name = s.getMetadata().getName();
        EnvVar id =
                env(s.getSpec().getTemplate().getSpec().getContainers().get(0)).get(INSTANCE_ID);
        assertThat(
                        Optional.ofNullable(id)
                                .map(EnvVar::getValueFrom)
                                .map(EnvVarSource::getFieldRef)
                                .map(ObjectFieldSelector::getFieldPath))
                .as("%s: %s from the pod name", name, INSTANCE_ID)
                .contains("metadata.name");
        Service headless = byName(services, s.getSpec().getServiceName());
        assertThat(headless)
                .as("%s: its Service %s", name, s.getSpec().getServiceName())
                .isNotNull();
        assertThat(headless.getSpec().getClusterIP())
                .as("%s: its Service %s is headless", name, s.getSpec().getServiceName())
                .isEqualTo("None");
        assertThat(selects(headless.getSpec().getSelector(), s))
                .as("%s: its headless Service selects its pods", name)
                .isTrue();
        assertThat(Optional.ofNullable(byName(services, name)).map(c -> c.getSpec().getClusterIP()))
                .as("%s: the ClusterIP Service its clients use", name)
                .isEmpty();
        assertThat(Optional.ofNullable(s.getSpec().getUpdateStrategy()).map(u -> u.getType()))
                .as("%s: updateStrategy", name)
                .contains("RollingUpdate");
        assertThat(s.getSpec().getPodManagementPolicy())
                .as("%s: podManagementPolicy", name)
                .isEqualTo("Parallel");
        // twice the default 30 s: readiness DOWN first, then in-flight requests, the open
        // transaction and leaving the consumer groups
        assertThat(s.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds())
                .as("%s: terminationGracePeriodSeconds", name)
                .isGreaterThanOrEqualTo(60L);
    }

    /**
     * The Job's attempts share one fixed instance id (a retry fences the failed attempt's open
     * transaction at once), not the name of a service's pod, one attempt at a time.
     */
    static void checkJobIdentity(Job job, List<StatefulSet> sets) {
        EnvVar id =
                env(job.getSpec().getTemplate().getSpec().getContainers().get(0)).get(INSTANCE_ID);
        assertThat(id).as("the Job's %s", INSTANCE_ID).isNotNull();
        assertThat(id.getValue()).as("the Job's attempts share one %s", INSTANCE_ID).isNotBlank();
        for (StatefulSet s : sets) {
            assertThat(id.getValue())
                    .as("the Job's %s is no pod name of %s", INSTANCE_ID, s.getMetadata().getName())
                    .doesNotMatch(Pattern.quote(s.getMetadata().getName()) + "-\\d+");
        }
        assertThat(job.getSpec().getParallelism()).as("the Job's parallelism").isEqualTo(1);
    }

    /**
     * A slow start (native engines, a busy node) is no failure: a startupProbe of at least 5
     * minutes on "started" (ready needs a model, which may not exist yet); readiness waits longer
     * than its broker check (3 s); liveness says how long it waits.
     */
    static void checkProbes(String name, Container c) {
        Probe startup = c.getStartupProbe();
        assertThat(startup).as("%s: a startupProbe", name).isNotNull();
        assertThat(startup.getHttpGet().getPath())
                .as("%s: the startupProbe asks started, not ready", name)
                .isEqualTo("/q/health/started");
        assertThat(
                        orDefault(startup.getPeriodSeconds(), 10)
                                * orDefault(startup.getFailureThreshold(), 3))
                .as("%s: seconds the startupProbe allows", name)
                .isGreaterThanOrEqualTo(300);
        assertThat(c.getReadinessProbe().getTimeoutSeconds())
                .as("%s: readinessProbe timeoutSeconds", name)
                .isGreaterThanOrEqualTo(5);
        assertThat(c.getLivenessProbe().getTimeoutSeconds())
                .as("%s: livenessProbe timeoutSeconds", name)
                .isPositive();
    }

    /**
     * Every mount resolved, the StatefulSet's own claims ReadWriteOnce (one per pod), and what must
     * outlive a pod (trainer artifacts, reports) written to such a claim.
     */
    static void checkVolumes(StatefulSet s) {
        String name = s.getMetadata().getName();
        List<PersistentVolumeClaim> templates =
                Optional.ofNullable(s.getSpec().getVolumeClaimTemplates()).orElse(List.of());
        templates.forEach(t -> checkClaim(name + " claim " + t.getMetadata().getName(), t));
        Set<String> claims =
                templates.stream().map(t -> t.getMetadata().getName()).collect(Collectors.toSet());
        PodSpec pod = s.getSpec().getTemplate().getSpec();
        Set<String> volumes =
                pod.getVolumes().stream().map(Volume::getName).collect(Collectors.toSet());
        Container c = pod.getContainers().get(0);
        for (VolumeMount m : c.getVolumeMounts()) {
            assertThat(volumes.contains(m.getName()) || claims.contains(m.getName()))
                    .as("%s: the volume of mount %s", name, m.getMountPath())
                    .isTrue();
        }
        String setting = OUTPUT_DIRS.get(name);
        if (setting == null) {
            return;
        }
        assertThat(env(c)).as("%s: %s", name, setting).containsKey(setting);
        String dir = env(c).get(setting).getValue();
        assertThat(c.getVolumeMounts())
                .as("%s: %s=%s on a volume of its own", name, setting, dir)
                .anySatisfy(
                        m -> {
                            assertThat(claims).contains(m.getName());
                            assertThat(dir + "/").startsWith(m.getMountPath() + "/");
                        });
    }

    /** ReadWriteOnce: common provisioners refuse ReadWriteMany, and the pod stays Pending. */
    static void checkClaim(String what, PersistentVolumeClaim c) {
        assertThat(c.getSpec().getAccessModes())
                .as("%s: access modes (no ReadWriteMany)", what)
                .containsExactly("ReadWriteOnce");
        assertThat(c.getSpec().getResources().getRequests())
                .as("%s: a size", what)
                .containsKey("storage");
    }

    /**
     * Pod Security "restricted": non-root, the runtime's seccomp profile, no host namespaces, only
     * the volume types it admits, and every container without privileges or capabilities.
     */
    static void checkRestricted(String what, PodSpec pod) {
        PodSecurityContext ctx = pod.getSecurityContext();
        assertThat(ctx).as("%s: a pod securityContext", what).isNotNull();
        assertThat(ctx.getRunAsNonRoot()).as("%s: runAsNonRoot", what).isTrue();
        assertThat(ctx.getRunAsUser()).as("%s: runAsUser", what).isPositive();
        assertThat(Optional.ofNullable(ctx.getSeccompProfile()).map(SeccompProfile::getType))
                .as("%s: seccompProfile", what)
                .contains("RuntimeDefault");
        assertThat(Stream.of(pod.getHostNetwork(), pod.getHostPID(), pod.getHostIPC()))
                .as("%s: host namespaces", what)
                .doesNotContain(true);
        for (Volume v : pod.getVolumes()) {
            Set<String> types = new HashSet<>();
            YAML.valueToTree(v).fieldNames().forEachRemaining(types::add);
            types.remove("name");
            assertThat(types)
                    .as("%s: volume %s of a type restricted admits", what, v.getName())
                    .hasSize(1)
                    .isSubsetOf(RESTRICTED_VOLUMES);
        }
        List<Container> containers = new ArrayList<>(pod.getContainers());
        containers.addAll(Optional.ofNullable(pod.getInitContainers()).orElse(List.of()));
        for (Container c : containers) {
            checkRestricted(what + "/" + c.getName(), c.getSecurityContext());
        }
    }

    static void checkRestricted(String what, SecurityContext sc) {
        assertThat(sc).as("%s: a container securityContext", what).isNotNull();
        assertThat(sc.getAllowPrivilegeEscalation())
                .as("%s: allowPrivilegeEscalation", what)
                .isFalse();
        assertThat(sc.getPrivileged()).as("%s: privileged", what).isNotEqualTo(Boolean.TRUE);
        assertThat(sc.getRunAsNonRoot()).as("%s: runAsNonRoot", what).isNotEqualTo(Boolean.FALSE);
        assertThat(sc.getRunAsUser()).as("%s: runAsUser", what).isNotEqualTo(Long.valueOf(0));
        assertThat(Optional.ofNullable(sc.getSeccompProfile()).map(SeccompProfile::getType))
                .as("%s: seccompProfile", what)
                .isIn(Optional.empty(), Optional.of("RuntimeDefault"), Optional.of("Localhost"));
        assertThat(sc.getCapabilities()).as("%s: capabilities", what).isNotNull();
        assertThat(sc.getCapabilities().getDrop())
                .as("%s: capabilities dropped", what)
                .contains("ALL");
        assertThat(sc.getCapabilities().getAdd())
                .as("%s: capabilities added", what)
                .isNullOrEmpty();
        assertThat(sc.getReadOnlyRootFilesystem()).as("%s: readOnlyRootFilesystem", what).isTrue();
    }

    /**
     * The release-signing private key: a Secret of its own, mounted by the trainer alone, where its
     * setting points; no other Secret volume carries it.
     */
    static void checkSigningKey(String what, PodSpec pod) {
        boolean signs = what.equals("trainer-service");
        List<Volume> secrets =
                pod.getVolumes().stream().filter(v -> v.getSecret() != null).toList();
        List<Volume> signing =
                secrets.stream()
                        .filter(v -> v.getSecret().getSecretName().equals(SIGNING_KEY))
                        .toList();
        assertThat(signing).as("%s mounts the Secret %s", what, SIGNING_KEY).hasSize(signs ? 1 : 0);
        assertThat(
                        secrets.stream()
                                .filter(v -> !signing.contains(v))
                                .flatMap(v -> v.getSecret().getItems().stream())
                                .map(KeyToPath::getKey))
                .as("%s: the signing key in another Secret", what)
                .doesNotContain(SIGNING_KEY_FILE);
        Container c = pod.getContainers().get(0);
        EnvVar path = env(c).get("MMDIGITS_RELEASES_SIGNING_KEY");
        if (!signs) {
            assertThat(path).as("%s: MMDIGITS_RELEASES_SIGNING_KEY", what).isNull();
            return;
        }
        VolumeMount mount =
                c.getVolumeMounts().stream()
                        .filter(m -> m.getName().equals(signing.get(0).getName()))
                        .findFirst()
                        .orElse(null);
        assertThat(mount).as("%s: the Secret %s mounted", what, SIGNING_KEY).isNotNull();
        KeyToPath item =
                signing.get(0).getSecret().getItems().stream()
                        .filter(i -> i.getKey().equals(SIGNING_KEY_FILE))
                        .findFirst()
                        .orElseThrow();
        assertThat(path.getValue())
                .as("%s: MMDIGITS_RELEASES_SIGNING_KEY", what)
                .isEqualTo(mount.getMountPath() + "/" + item.getPath());
    }

    /**
     * The HPA scales a rendered StatefulSet that leaves spec.replicas to it (every kubectl apply
     * would reset the count otherwise), from at least 2; each PDB selects one StatefulSet, lets a
     * drain evict a pod that is not Ready (AlwaysAllow: else such pods block every drain) and one
     * more, and keeps a pod serving at the HPA's minimum.
     */
    static void checkScaling(
            List<StatefulSet> sets,
            List<HorizontalPodAutoscaler> hpas,
            List<Keda.ScaledObject> scaled,
            List<PodDisruptionBudget> pdbs) {
        Map<String, Integer> minimum = new HashMap<>();
        for (Keda.ScaledObject so : scaled) {
            String what = "ScaledObject " + so.metadata().getName();
            Keda.ScaledObject.ScaleTargetRef ref = so.spec().scaleTargetRef();
            assertThat(ref.apiVersion() + " " + ref.kind())
                    .as("%s: the kind it scales", what)
                    .isEqualTo("apps/v1 StatefulSet");
            StatefulSet target = byName(sets, ref.name());
            assertThat(target).as("%s: its target %s is rendered", what, ref.name()).isNotNull();
            assertThat(target.getSpec().getReplicas())
                    .as("%s: no spec.replicas on %s for kubectl apply to reset", what, ref.name())
                    .isNull();
            assertThat(so.spec().minReplicaCount())
                    .as("%s: minReplicaCount", what)
                    .isNotNull()
                    .isGreaterThanOrEqualTo(2);
            assertThat(hpas)
                    .as("%s: an HPA beside KEDA's own on %s (they would fight)", what, ref.name())
                    .noneMatch(h -> h.getSpec().getScaleTargetRef().getName().equals(ref.name()));
            minimum.put(ref.name(), so.spec().minReplicaCount());
        }
        for (HorizontalPodAutoscaler hpa : hpas) {
            String what = "HPA " + hpa.getMetadata().getName();
            CrossVersionObjectReference ref = hpa.getSpec().getScaleTargetRef();
            assertThat(ref.getApiVersion() + " " + ref.getKind())
                    .as("%s: the kind it scales", what)
                    .isEqualTo("apps/v1 StatefulSet");
            StatefulSet target = byName(sets, ref.getName());
            assertThat(target).as("%s: its target %s is rendered", what, ref.getName()).isNotNull();
            assertThat(target.getSpec().getReplicas())
                    .as(
                            "%s: no spec.replicas on %s for kubectl apply to reset",
                            what, ref.getName())
                    .isNull();
            assertThat(hpa.getSpec().getMinReplicas())
                    .as("%s: minReplicas", what)
                    .isGreaterThanOrEqualTo(2);
            minimum.put(ref.getName(), hpa.getSpec().getMinReplicas());
        }
        for (PodDisruptionBudget pdb : pdbs) {
            String what = "PDB " + pdb.getMetadata().getName();
            assertThat(pdb.getSpec().getUnhealthyPodEvictionPolicy())
                    .as("%s: unhealthyPodEvictionPolicy", what)
                    .isEqualTo("AlwaysAllow");
            List<StatefulSet> selected =
                    sets.stream()
                            .filter(s -> selects(pdb.getSpec().getSelector().getMatchLabels(), s))
                            .toList();
            assertThat(selected).as("%s: the StatefulSets it selects", what).hasSize(1);
            String name = selected.get(0).getMetadata().getName();
            int replicas =
                    minimum.getOrDefault(
                            name, orDefault(selected.get(0).getSpec().getReplicas(), 1));
            int evictable = evictable(what, pdb, replicas);
            assertThat(evictable)
                    .as("%s: pods a drain may evict of %d", what, replicas)
                    .isGreaterThanOrEqualTo(1);
            if (minimum.containsKey(name)) {
                assertThat(replicas - evictable)
                        .as("%s: pods serving at the HPA's minimum of %d", what, replicas)
                        .isGreaterThanOrEqualTo(1);
            }
        }
    }

    /** Pods a PDB lets a drain evict of {@code replicas} Ready ones. */
    static int evictable(String what, PodDisruptionBudget pdb, int replicas) {
        IntOrString max = pdb.getSpec().getMaxUnavailable();
        IntOrString min = pdb.getSpec().getMinAvailable();
        assertThat(Stream.of(max, min).filter(Objects::nonNull).map(IntOrString::getIntVal))
                .as("%s: maxUnavailable or minAvailable, as a count", what)
                .hasSize(1)
                .doesNotContainNull();
        return max != null ? Math.min(max.getIntVal(), replicas) : replicas - min.getIntVal();
    }

    /** The production overlay, rendered once; each caller gets its own copy. */
    static List<JsonNode> production() throws Exception {
        if (PRODUCTION.isEmpty()) {
            PRODUCTION.addAll(render("production"));
        }
        return PRODUCTION.stream().<JsonNode>map(JsonNode::deepCopy).toList();
    }

    /**
     * The node at a path of field names, array indexes and {@code name=X} (the element named X).
     */
    static JsonNode select(JsonNode root, String path) {
        JsonNode n = root;
        for (String step : path.split("/")) {
            if (step.isEmpty()) {
                continue;
            }
            if (step.startsWith("name=")) {
                String wanted = step.substring("name=".length());
                n =
                        StreamSupport.stream(n.spliterator(), false)
                                .filter(e -> e.path("name").asText().equals(wanted))
                                .findFirst()
                                .orElse(null);
            } else {
                n = n.isArray() ? n.get(Integer.parseInt(step)) : n.get(step);
            }
            assertThat(n).as("%s in %s", step, path).isNotNull();
        }
        return n;
    }

    /**
     * What Prometheus scrapes (deploy/components/monitoring), when the overlay has it: one
     * PodMonitor per service, selecting that StatefulSet's pods and no other's, whether Ready or
     * not, on a port the pods' container declares and that is the service's HTTP port, path
     * /q/metrics, with the pods' {@code app.kubernetes.io/name} — the service's name, the job of
     * the alert rules and of compose's Prometheus — as the job label.
     */
    static void checkMonitoring(List<PodMonitor> monitors, List<StatefulSet> sets, boolean expected)
            throws Exception {
        if (!expected) {
            assertThat(monitors).as("PodMonitors outside the production overlay").isEmpty();
            return;
        }
        assertThat(monitors)
                .extracting(m -> m.getMetadata().getName())
                .containsExactlyInAnyOrderElementsOf(
                        sets.stream().map(s -> s.getMetadata().getName()).toList());
        Map<String, ServiceConfig> services = ServiceConfig.all();
        for (PodMonitor m : monitors) {
            String name = m.getMetadata().getName();
            assertThat(m.getSpec().getNamespaceSelector())
                    .as("PodMonitor %s namespaceSelector (its own namespace)", name)
                    .isNull();
            assertThat(m.getSpec().getSelector().getMatchExpressions())
                    .as("PodMonitor %s matchExpressions", name)
                    .isNullOrEmpty();
            List<StatefulSet> selected =
                    sets.stream()
                            .filter(s -> selects(m.getSpec().getSelector().getMatchLabels(), s))
                            .toList();
            assertThat(selected)
                    .as("the StatefulSets PodMonitor %s selects", name)
                    .extracting(s -> s.getMetadata().getName())
                    .containsExactly(name);
            Map<String, String> podLabels =
                    selected.get(0).getSpec().getTemplate().getMetadata().getLabels();
            assertThat(m.getSpec().getJobLabel())
                    .as("PodMonitor %s jobLabel", name)
                    .isEqualTo("app.kubernetes.io/name");
            assertThat(podLabels.get(m.getSpec().getJobLabel()))
                    .as("the job label of PodMonitor %s's pods", name)
                    .isEqualTo(name);
            List<ContainerPort> ports =
                    selected.get(0)
                            .getSpec()
                            .getTemplate()
                            .getSpec()
                            .getContainers()
                            .get(0)
                            .getPorts();
            assertThat(m.getSpec().getPodMetricsEndpoints())
                    .as("PodMonitor %s endpoints", name)
                    .hasSize(1);
            PodMetricsEndpoint e = m.getSpec().getPodMetricsEndpoints().get(0);
            assertThat(ports)
                    .as("PodMonitor %s port %s among the container's", name, e.getPort())
                    .filteredOn(p -> p.getName().equals(e.getPort()))
                    .extracting(ContainerPort::getContainerPort)
                    .containsExactly(services.get(name).port());
            assertThat(e.getPath()).as("PodMonitor %s path", name).isEqualTo("/q/metrics");
        }
    }

    /** Each guarantee of {@link #checkMonitoring} fails when production's PodMonitors break it. */
    @ParameterizedTest(name = "{0} {1}: {2} {3} = {4}")
    @CsvSource(
            delimiter = '|',
            textBlock =
                    """
        PodMonitor | viz-service | /spec/podMetricsEndpoints/0 | port | grpc | PodMonitor viz-service port grpc
        PodMonitor | inference-service | /spec/podMetricsEndpoints/0 | port | grpc | PodMonitor inference-service port grpc
        PodMonitor | inference-service | /spec/podMetricsEndpoints/0 | path | /metrics | PodMonitor inference-service path
        PodMonitor | trainer-service | /spec/selector/matchLabels | app.kubernetes.io/name | trainer | the StatefulSets PodMonitor trainer-service selects
        PodMonitor | viz-service | /spec/selector | matchLabels | {} | the StatefulSets PodMonitor viz-service selects
        PodMonitor | ingest-service | /spec | jobLabel | app.kubernetes.io/part-of | PodMonitor ingest-service jobLabel
        PodMonitor | ingest-service | /spec | jobLabel | - | PodMonitor ingest-service jobLabel
        PodMonitor | trainer-service | /spec | namespaceSelector | {any: true} | PodMonitor trainer-service namespaceSelector
        """)
    void aBrokenPodMonitorFails(
            String kind, String name, String parent, String field, String value, String expected)
            throws Exception {
        List<JsonNode> docs = production();
        Map<String, List<Object>> before = typed(docs);
        checkMonitoring(all(before, PodMonitor.class), all(before, StatefulSet.class), true);
        breakField(docs, kind, name, parent, field, value);
        Map<String, List<Object>> after = typed(docs);
        assertThatThrownBy(
                        () ->
                                checkMonitoring(
                                        all(after, PodMonitor.class),
                                        all(after, StatefulSet.class),
                                        true))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining(expected);
    }

    /**
     * Each guarantee of {@link #checkWorkloads} fails when the production manifests break it: the
     * field at {@code parent/field} of the document {@code kind/name} set to {@code value} (YAML;
     * {@code -} removes it) fails with {@code expected} in the message.
     */
    @ParameterizedTest(name = "{0} {1}: {2} {3} = {4}")
    @CsvSource(
            delimiter = '|',
            textBlock =
                    """
        StatefulSet | inference-service | /spec/template/spec/containers/0/env/name=MMDIGITS_INSTANCE_ID | valueFrom | - | MMDIGITS_INSTANCE_ID from the pod name
        StatefulSet | ingest-service | /spec/template/spec/containers/0/env/name=MMDIGITS_INSTANCE_ID/valueFrom/fieldRef | fieldPath | spec.nodeName | MMDIGITS_INSTANCE_ID from the pod name
        StatefulSet | viz-service | / | kind | Deployment | a kind this check knows
        StatefulSet | viz-service | /spec | serviceName | viz-service | is headless
        StatefulSet | trainer-service | /spec | podManagementPolicy | OrderedReady | podManagementPolicy
        StatefulSet | trainer-service | /spec/updateStrategy | type | OnDelete | updateStrategy
        StatefulSet | inference-service | /spec/template/spec | terminationGracePeriodSeconds | - | terminationGracePeriodSeconds
        StatefulSet | trainer-service | /spec/volumeClaimTemplates/0/spec | accessModes | [ReadWriteMany] | no ReadWriteMany
        PersistentVolumeClaim | digits-data | /spec | accessModes | [ReadWriteOnce, ReadWriteMany] | no ReadWriteMany
        StatefulSet | viz-service | /spec/template/spec/containers/0/env/name=VIZ_OUTPUT_DIR | value | /tmp/reports | on a volume of its own
        StatefulSet | trainer-service | /spec/template/spec/containers/0/volumeMounts/name=artifacts | mountPath | /data | on a volume of its own
        Job | ingest-dataset | /spec/template/spec/securityContext | seccompProfile | - | seccompProfile
        StatefulSet | viz-service | /spec/template/spec/securityContext/seccompProfile | type | Unconfined | seccompProfile
        StatefulSet | ingest-service | /spec/template/spec/containers/0/securityContext | seccompProfile | {type: Unconfined} | seccompProfile
        StatefulSet | inference-service | /spec/template/spec/securityContext | runAsNonRoot | - | runAsNonRoot
        StatefulSet | viz-service | /spec/template/spec/containers/0/securityContext | allowPrivilegeEscalation | true | allowPrivilegeEscalation
        Job | ingest-dataset | /spec/template/spec/containers/0/securityContext/capabilities | drop | [NET_RAW] | capabilities dropped
        StatefulSet | trainer-service | /spec/template/spec/containers/0/securityContext/capabilities | add | [SYS_ADMIN] | capabilities added
        StatefulSet | ingest-service | /spec/template/spec | hostNetwork | true | host namespaces
        StatefulSet | inference-service | /spec/template/spec/volumes/name=tmp | hostPath | {path: /tmp} | of a type restricted admits
        StatefulSet | inference-service | /spec/template/spec/volumes/name=keys/secret | secretName | mmdigits-release-signing | mounts the Secret mmdigits-release-signing
        StatefulSet | viz-service | /spec/template/spec/volumes/name=keys/secret/items/0 | key | release-signing.pem | the signing key in another Secret
        Job | ingest-dataset | /spec/template/spec/volumes/name=keys/secret/items/0 | key | release-signing.pem | the signing key in another Secret
        StatefulSet | trainer-service | /spec/template/spec/containers/0/env/name=MMDIGITS_RELEASES_SIGNING_KEY | value | /etc/mmdigits/keys/release-signing.pem | MMDIGITS_RELEASES_SIGNING_KEY
        StatefulSet | inference-service | /spec/template/spec/containers/0/readinessProbe | timeoutSeconds | 1 | readinessProbe timeoutSeconds
        StatefulSet | viz-service | /spec/template/spec/containers/0/readinessProbe | timeoutSeconds | - | readinessProbe timeoutSeconds
        StatefulSet | trainer-service | /spec/template/spec/containers/0 | startupProbe | - | a startupProbe
        StatefulSet | viz-service | /spec/template/spec/containers/0/startupProbe | failureThreshold | 3 | seconds the startupProbe allows
        StatefulSet | ingest-service | /spec/template/spec/containers/0/startupProbe/httpGet | path | /q/health/ready | started, not ready
        StatefulSet | ingest-service | /spec/template/spec/containers/0/livenessProbe | timeoutSeconds | - | livenessProbe timeoutSeconds
        HorizontalPodAutoscaler | inference-service | /spec/scaleTargetRef | kind | Deployment | the kind it scales
        HorizontalPodAutoscaler | inference-service | /spec/scaleTargetRef | name | inference | is rendered
        HorizontalPodAutoscaler | inference-service | /spec | minReplicas | 1 | minReplicas
        StatefulSet | inference-service | /spec | replicas | 2 | no spec.replicas
        PodDisruptionBudget | inference-service | /spec | unhealthyPodEvictionPolicy | - | unhealthyPodEvictionPolicy
        PodDisruptionBudget | trainer-service | /spec | unhealthyPodEvictionPolicy | IfHealthyBudget | unhealthyPodEvictionPolicy
        PodDisruptionBudget | inference-service | /spec | maxUnavailable | 2 | pods serving at the HPA's minimum
        PodDisruptionBudget | trainer-service | /spec | maxUnavailable | 0 | pods a drain may evict
        PodDisruptionBudget | viz-service | /spec/selector/matchLabels | app.kubernetes.io/name | vis-service | the StatefulSets it selects
        Job | ingest-dataset | /spec/template/spec/containers/0/env/name=MMDIGITS_INSTANCE_ID | value | ingest-service-1 | is no pod name of ingest-service
        Job | ingest-dataset | /spec/template/spec/containers/0/env/name=MMDIGITS_INSTANCE_ID | value | - | the Job's attempts share one
        """)
    void aBrokenWorkloadFails(
            String kind, String name, String parent, String field, String value, String expected)
            throws Exception {
        List<JsonNode> docs = production();
        checkWorkloads(typed(docs));
        breakField(docs, kind, name, parent, field, value);
        assertThatThrownBy(() -> checkWorkloads(typed(docs)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining(expected);
    }

    /**
     * Breaks one field of a rendered document in place: removes it ({@code value} "-") or sets it
     * to {@code value} (YAML).
     */
    static void breakField(
            List<JsonNode> docs,
            String kind,
            String name,
            String parent,
            String field,
            String value)
            throws Exception {
        JsonNode doc =
                docs.stream()
                        .filter(d -> d.get("kind").asText().equals(kind))
                        .filter(d -> d.at("/metadata/name").asText().equals(name))
                        .findFirst()
                        .orElseThrow();
        ObjectNode target = (ObjectNode) select(doc, parent);
        if (value.equals("-")) {
            assertThat(target.remove(field)).as("%s to remove", field).isNotNull();
        } else {
            target.set(field, YAML.readTree(value));
        }
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
                "StatefulSet:/spec:replica",
                "PodMonitor:/spec:podMetricEndpoints",
                "PodMonitor:/spec/podMetricsEndpoints/0:scrapeInterval",
                "PrometheusRule:/spec:group",
                "PrometheusRule:/spec/groups/0/rules/0:alertname"
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
            List<StatefulSet> sets,
            Job job,
            Map<String, ServiceConfig> services) {
        Map<String, Map<String, String>> pods = new HashMap<>();
        Map<String, List<Integer>> declared = new HashMap<>();
        sets.forEach(
                d ->
                        pods.put(
                                d.getMetadata().getName(),
                                d.getSpec().getTemplate().getMetadata().getLabels()));
        sets.forEach(
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
            List<StatefulSet> sets,
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
        for (StatefulSet d : sets) {
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

    /** One ACL of a KafkaUser, one operation each, in Strimzi's terms. */
    record Acl(String type, String name, String patternType, String operation) {}

    /** The ACLs of a KafkaUser document, one per operation. */
    static List<Acl> acls(JsonNode user) {
        List<Acl> out = new ArrayList<>();
        for (JsonNode acl : user.at("/spec/authorization/acls")) {
            String pattern = acl.at("/resource/patternType").asText("literal");
            for (JsonNode op : acl.get("operations")) {
                out.add(
                        new Acl(
                                acl.at("/resource/type").asText(),
                                acl.at("/resource/name").asText(),
                                pattern,
                                op.asText()));
            }
        }
        return out;
    }

    /** The ACL that grants a service's need, in Strimzi's terms. */
    static Acl acl(KafkaAccess.Need n) {
        String type =
                switch (n.type()) {
                    case TOPIC -> "topic";
                    case GROUP -> "group";
                    case TRANSACTIONAL_ID -> "transactionalId";
                    default -> throw new IllegalArgumentException(n.type() + " in " + n);
                };
        String op = n.operation().name();
        return new Acl(
                type,
                n.name(),
                n.pattern() == PatternType.PREFIXED ? "prefix" : "literal",
                op.charAt(0) + op.substring(1).toLowerCase(Locale.ROOT));
    }

    /**
     * What differs between the KafkaUsers and what the services do ({@link KafkaAccess}, which the
     * services check at start): a need without its ACL, an ACL no need asks for (more than a
     * service uses), a user that is no service's. Empty when they agree both ways.
     */
    static List<String> kafkaUserProblems(Map<String, JsonNode> users) {
        List<String> problems = new ArrayList<>();
        Set<String> expected = new HashSet<>();
        for (String service : KafkaAccess.SERVICES) {
            String user = KafkaAccess.user(service);
            expected.add(user);
            JsonNode u = users.get(user);
            if (u == null) {
                problems.add(user + ": no KafkaUser");
                continue;
            }
            if (!u.at("/spec/authentication/type").asText().equals("scram-sha-512")) {
                problems.add(user + ": authentication is not scram-sha-512");
            }
            List<Acl> acls = acls(u);
            List<Acl> needed = KafkaAccess.of(service).stream().map(KubernetesTest::acl).toList();
            needed.stream()
                    .filter(a -> !acls.contains(a))
                    .forEach(a -> problems.add(user + ": needs " + a + ", which no ACL grants"));
            acls.stream()
                    .filter(a -> !needed.contains(a))
                    .forEach(a -> problems.add(user + ": " + a + " is more than it uses"));
        }
        users.keySet().stream()
                .filter(u -> !expected.contains(u))
                .forEach(u -> problems.add(u + ": a KafkaUser of no service"));
        return problems;
    }

    static void checkKafkaUsers(Map<String, JsonNode> users) {
        assertThat(kafkaUserProblems(users)).as("kafka-users.yaml vs KafkaAccess").isEmpty();
    }

    /**
     * The comparison fails on an ACL too many, one too few and a changed pattern: it is not a copy
     * of the file, but what the services do.
     */
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            textBlock =
                    """
        mmdigits-ingest | add | topic | digits.events | literal | Describe | more than it uses
        mmdigits-viz | add | group | mmdigits-viz | prefix | Read | more than it uses
        mmdigits-inference | drop | topic | digits.promotions | literal | Read | which no ACL grants
        mmdigits-trainer | drop | transactionalId | mmdigits-trainer | prefix | Write | which no ACL grants
        mmdigits-trainer | literal | group | mmdigits-trainer | prefix | Read | which no ACL grants
        """)
    void kafkaUsersThatDifferFromWhatTheServicesDoFail(
            String user,
            String change,
            String type,
            String name,
            String pattern,
            String operation,
            String expected)
            throws Exception {
        Map<String, JsonNode> users = new HashMap<>();
        for (JsonNode d : production()) {
            if (d.get("kind").asText().equals("KafkaUser")) {
                users.put(d.at("/metadata/name").asText(), d);
            }
        }
        assertThat(kafkaUserProblems(users)).isEmpty();
        ArrayNode acls = (ArrayNode) users.get(user).at("/spec/authorization/acls");
        switch (change) {
            case "add" ->
                    acls.add(
                            YAML.readTree(
                                    "{resource: {type: "
                                            + type
                                            + ", name: "
                                            + name
                                            + ", patternType: "
                                            + pattern
                                            + "}, operations: ["
                                            + operation
                                            + "]}"));
            case "drop", "literal" -> {
                for (JsonNode acl : acls) {
                    if (acl.at("/resource/type").asText().equals(type)
                            && acl.at("/resource/name").asText().equals(name)) {
                        if (change.equals("literal")) {
                            ((ObjectNode) acl.get("resource")).put("patternType", "literal");
                        } else {
                            ArrayNode ops = (ArrayNode) acl.get("operations");
                            for (int i = 0; i < ops.size(); i++) {
                                if (ops.get(i).asText().equals(operation)) {
                                    ops.remove(i);
                                }
                            }
                        }
                    }
                }
            }
            default -> throw new IllegalArgumentException(change);
        }
        assertThat(kafkaUserProblems(users)).anyMatch(p -> p.contains(expected));
    }

    /**
     * Kafka as the service's own user over TLS; only the keys it needs; predictions and reports
     * closed in production.
     */
    static void checkSecurity(String service, PodSpec pod, Container c, String overlay) {
        Map<String, EnvVar> env = env(c);
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
        assertThat(keys.getSecret().getSecretName()).isEqualTo(PUBLIC_KEYS);
        List<String> items = keys.getSecret().getItems().stream().map(i -> i.getKey()).toList();
        assertThat(items)
                .as("%s: keys mounted from %s (public keys only)", service, PUBLIC_KEYS)
                .contains("jwt-public.pem")
                .isSubsetOf("jwt-public.pem", "release-verify.pem");
        assertThat(env.containsKey("MMDIGITS_RELEASES_VERIFY_KEY"))
                .as("%s verifies releases and promotions", service)
                .isEqualTo(!service.equals("ingest-service"));
        boolean production = overlay.startsWith("production");
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
                            assertThat(d.at("/spec/scaleTargetRef/kind").asText())
                                    .isEqualTo("StatefulSet");
                            assertThat(d.at("/spec/scaleTargetRef/name").asText())
                                    .isEqualTo("inference-service");
                        });
        for (JsonNode d : prod) {
            if (d.get("kind").asText().equals("StatefulSet")) {
                assertThat(
                                d.at("/spec/template/spec/containers/0/resources/limits/memory")
                                        .asText())
                        .as(d.at("/metadata/name").asText())
                        .isNotEmpty();
                // the HPA's count: kubectl apply must not set it back; two of each of the others
                // (the topology ClusterFaultIT runs)
                String name = d.at("/metadata/name").asText();
                if (name.equals("inference-service")) {
                    assertThat(d.at("/spec/replicas").isMissingNode())
                            .as("%s: spec.replicas rendered", name)
                            .isTrue();
                } else {
                    assertThat(d.at("/spec/replicas").asInt())
                            .as("%s: replicas", name)
                            .isEqualTo(2);
                }
            }
        }
        JsonNode trainer =
                render("gpu").stream()
                        .filter(
                                d ->
                                        d.get("kind").asText().equals("StatefulSet")
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
                                        d.get("kind").asText().equals("StatefulSet")
                                                && d.at("/metadata/name")
                                                        .asText()
                                                        .equals("inference-service"))
                        .findFirst()
                        .orElseThrow();
        assertThat(local.at("/spec/replicas").asInt()).isEqualTo(1);
    }
}
