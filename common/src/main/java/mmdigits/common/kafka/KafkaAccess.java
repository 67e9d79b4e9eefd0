package mmdigits.common.kafka;

import java.util.List;
import java.util.Locale;
import mmdigits.common.Topics;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;

/**
 * What each service does on Kafka, declared once: the resources its Kafka user needs and the
 * operation on each, with why. The services check it against the broker at start ({@link
 * KafkaAccessCheck}: a missing ACL stops the service with a message naming it), and the tests hold
 * it against {@code deploy/base/kafka-users.yaml} both ways (every need has its ACL, every ACL is a
 * need) and against the broker's audit log of a real run (every ACL is used). Kafka's authorizer
 * lets READ and WRITE imply DESCRIBE, so no need (and no ACL) is a bare DESCRIBE. Transactional ids
 * and groups are named by the prefix their ACL uses (the instance id follows it).
 */
public final class KafkaAccess {
    /** One thing a service's Kafka user must be allowed. */
    public record Need(
            ResourceType type,
            String name,
            PatternType pattern,
            AclOperation operation,
            String why) {

        /** How the need reads in an error and in kafka-users.yaml's terms. */
        public String describe() {
            return operation.name()
                    + " on "
                    + type.name().toLowerCase(Locale.ROOT)
                    + (pattern == PatternType.PREFIXED ? " names starting with '" : " '")
                    + name
                    + "'";
        }
    }

    public static final String INGEST = "ingest";
    public static final String TRAINER = "trainer";
    public static final String INFERENCE = "inference";
    public static final String VIZ = "viz";

    /** The services, in the order of kafka-users.yaml. */
    public static final List<String> SERVICES = List.of(INGEST, TRAINER, INFERENCE, VIZ);

    private KafkaAccess() {}

    /** The Kafka user of a service ({@code mmdigits-<service>}, a KafkaUser of deploy/base). */
    public static String user(String service) {
        return "mmdigits-" + service;
    }

    /** The needs of a service ({@link #SERVICES}). */
    public static List<Need> of(String service) {
        return switch (service) {
            case INGEST -> ingest();
            case TRAINER -> trainer();
            case INFERENCE -> inference();
            case VIZ -> viz();
            default ->
                    throw new IllegalArgumentException(
                            "unknown service '" + service + "'; one of " + SERVICES);
        };
    }

    static List<Need> ingest() {
        return List.of(
                write(Topics.SAMPLES_TRAIN, "publishes train splits in transactions"),
                write(Topics.SAMPLES_TEST, "publishes test splits and streamed samples"),
                write(Topics.EVENTS, "a split's DatasetPublished, in the split's transaction"),
                transactions(INGEST, "one transaction per split or batch"));
    }

    static List<Need> trainer() {
        return List.of(
                read(Topics.SAMPLES_TRAIN, "reads a published train split"),
                read(Topics.EVENTS, "datasets, runs: the training queue and the run book"),
                write(Topics.EVENTS, "queued, started, progress and result of every run"),
                read(Topics.MODELS, "the registered versions"),
                write(Topics.MODELS, "signed releases and tombstones"),
                read(Topics.PROMOTIONS, "the alias' target and history"),
                write(Topics.PROMOTIONS, "signed promotions and rollbacks (the only writer)"),
                write(Topics.DEAD_LETTER, "undecodable events, refused releases and promotions"),
                group(TRAINER, "the training queue's consumer group"),
                transactions(TRAINER, "its own events and the registry's transactions"));
    }

    static List<Need> inference() {
        return List.of(
                read(Topics.SAMPLES_TEST, "scores the test stream and published test splits"),
                read(Topics.MODELS, "loads every signed release"),
                read(Topics.PROMOTIONS, "the alias' target"),
                read(Topics.EVENTS, "published splits and scoring requests: the jobs"),
                write(Topics.EVENTS, "scoring requests (POST /api/scorings, the alias' target)"),
                write(Topics.PREDICTIONS, "one prediction per sample and version, transactional"),
                write(Topics.EMBEDDINGS, "one embedding per sample and version, transactional"),
                write(Topics.DEAD_LETTER, "undecodable test records, in the same transactions"),
                write(Topics.PAYLOADS, "the payload log of requests and answers, when it is on"),
                group(INFERENCE, "the replicas share the test topic; offsets in transactions"),
                transactions(INFERENCE, "consume-score-produce, exactly once"));
    }

    static List<Need> viz() {
        return List.of(
                read(Topics.EMBEDDINGS, "collects the embeddings of a (dataset, version) pair"),
                read(Topics.SAMPLES_TEST, "the misclassified samples' images in a report"),
                read(Topics.EVENTS, "datasets, training curves, scoring requests"),
                write(Topics.EVENTS, "scoring requests (POST /reports)"),
                read(Topics.PROMOTIONS, "the alias' target for report requests"),
                write(Topics.DEAD_LETTER, "undecodable embeddings"),
                read(Topics.PREDICTIONS, "the shadow predictions a report compares"),
                read(Topics.MODELS, "the releases' drift references (docs/drift.md)"));
    }

    private static Need read(String topic, String why) {
        return new Need(ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ, why);
    }

    private static Need write(String topic, String why) {
        return new Need(ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.WRITE, why);
    }

    private static Need group(String service, String why) {
        return new Need(
                ResourceType.GROUP, user(service), PatternType.PREFIXED, AclOperation.READ, why);
    }

    private static Need transactions(String service, String why) {
        return new Need(
                ResourceType.TRANSACTIONAL_ID,
                user(service),
                PatternType.PREFIXED,
                AclOperation.WRITE,
                why);
    }
}
