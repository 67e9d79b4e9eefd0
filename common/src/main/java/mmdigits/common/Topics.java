package mmdigits.common;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Topic names and their configurations: the one list that code, tests, docker compose and the
 * Kubernetes manifests agree on (the static checks of deploy/ compare against it).
 */
public final class Topics {
    public static final String SAMPLES_TRAIN = "digits.samples.train";
    public static final String SAMPLES_TEST = "digits.samples.test";
    public static final String MODELS = "digits.models";
    public static final String PREDICTIONS = "digits.predictions";
    public static final String EMBEDDINGS = "digits.embeddings";
    public static final String EVENTS = "digits.events";

    /**
     * Which version each alias serves: signed promotions and rollbacks, written by the trainer
     * alone.
     */
    public static final String PROMOTIONS = "digits.promotions";

    /** Records that could not be decoded or validated, with the reason in headers. */
    public static final String DEAD_LETTER = "digits.dead-letter";

    /**
     * The payload log: one CloudEvent per inference request and its answer (inference, when {@code
     * inference.payload-log.enabled}), read by people and tools, not by the services.
     */
    public static final String PAYLOADS = "digits.payloads";

    /** Largest record we produce (a model release of a few MB), with room to grow. */
    public static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    /** A topic to create, with its partitions and configs. */
    public record Spec(String name, int partitions, Map<String, String> configs) {}

    /**
     * Kept for ever: the services rebuild their state from these topics (the trainer reads
     * published splits, inference the events and splits to score, viz the embeddings and events),
     * and a split's offset ranges must stay readable. Not compacted: a sample id may have several
     * records (one per publication, one prediction per model version).
     */
    private static final Map<String, String> KEEP_FOR_EVER =
            Map.of("retention.ms", "-1", "retention.bytes", "-1");

    public static final List<Spec> ALL =
            List.of(
                    new Spec(SAMPLES_TRAIN, 4, with(KEEP_FOR_EVER, "compression.type", "producer")),
                    new Spec(SAMPLES_TEST, 4, with(KEEP_FOR_EVER, "compression.type", "producer")),
                    // compacted by identity (key "<name>/<version>"): the trainer removes old
                    // versions with tombstones
                    new Spec(
                            MODELS,
                            1,
                            Map.of(
                                    "cleanup.policy",
                                    "compact",
                                    "max.message.bytes",
                                    Integer.toString(MAX_MESSAGE_BYTES))),
                    new Spec(PREDICTIONS, 4, KEEP_FOR_EVER),
                    new Spec(EMBEDDINGS, 4, KEEP_FOR_EVER),
                    // one partition: a total order of publications, runs, promotions and scoring
                    // requests
                    new Spec(EVENTS, 1, KEEP_FOR_EVER),
                    // one partition: the promotions' order is the alias' history
                    new Spec(PROMOTIONS, 1, KEEP_FOR_EVER),
                    new Spec(DEAD_LETTER, 1, Map.of()),
                    // an audit trail of requests and answers: a week, records up to 4 MiB (a
                    // request and an answer of up to inference.payload-log.max-body-bytes each)
                    new Spec(
                            PAYLOADS,
                            4,
                            Map.of("retention.ms", "604800000", "max.message.bytes", "4194304")));

    /**
     * Committed consumer offsets (with the scoring progress in their metadata) must outlive a pause
     * of the services: brokers of this project keep them a year ({@code
     * offsets.retention.minutes}).
     */
    public static final String OFFSETS_RETENTION_MINUTES = "525600";

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(base);
        m.put(key, value);
        return Map.copyOf(m);
    }

    private Topics() {}
}
