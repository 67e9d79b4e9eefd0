package mmdigits.deploy;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * KEDA's resources (keda.sh/v1alpha1) as far as deploy/ uses them, typed from KEDA's reference
 * (ScaledObject spec, TriggerAuthentication, the kafka and cpu scalers): parsed strictly, so a
 * misspelt field fails as it does in fabric8's and Strimzi's models. Trigger metadata is a map of
 * strings in KEDA; its keys are checked against the scaler's parameters ({@link #KAFKA_METADATA},
 * {@link #CPU_METADATA}).
 */
final class Keda {
    static final String API_VERSION = "keda.sh/v1alpha1";

    /** The kafka scaler's metadata parameters (KEDA 2.x). */
    static final Set<String> KAFKA_METADATA =
            Set.of(
                    "bootstrapServers",
                    "consumerGroup",
                    "topic",
                    "lagThreshold",
                    "activationLagThreshold",
                    "offsetResetPolicy",
                    "allowIdleConsumers",
                    "scaleToZeroOnInvalidOffset",
                    "excludePersistentLag",
                    "limitToPartitionsWithLag",
                    "ensureEvenDistributionOfPartitions",
                    "version",
                    "partitionLimitation",
                    "sasl",
                    "tls",
                    "unsafeSsl");

    /** The kafka scaler's authentication parameters, for SASL/SCRAM and TLS. */
    static final Set<String> KAFKA_AUTH =
            Set.of("sasl", "username", "password", "tls", "ca", "cert", "key", "keyPassword");

    /** The cpu scaler's metadata parameters (its metric type is the trigger's metricType). */
    static final Set<String> CPU_METADATA = Set.of("value", "containerName");

    private Keda() {}

    record ScaledObject(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {
        record Spec(
                ScaleTargetRef scaleTargetRef,
                Integer minReplicaCount,
                Integer maxReplicaCount,
                Integer idleReplicaCount,
                Integer pollingInterval,
                Integer cooldownPeriod,
                Integer initialCooldownPeriod,
                List<Trigger> triggers) {}

        record ScaleTargetRef(
                String apiVersion, String kind, String name, String envSourceContainerName) {}

        record Trigger(
                String type,
                String name,
                String metricType,
                Boolean useCachedMetrics,
                Map<String, String> metadata,
                AuthenticationRef authenticationRef) {}

        record AuthenticationRef(String name, String kind) {}
    }

    record TriggerAuthentication(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {
        record Spec(
                List<TargetRef> secretTargetRef,
                List<TargetRef> configMapTargetRef,
                List<EnvRef> env) {}

        record TargetRef(String parameter, String name, String key) {}

        record EnvRef(String parameter, String name, String containerName) {}
    }
}
