package mmdigits.common;

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
    /** Records that could not be decoded or validated, with the reason in headers. */
    public static final String DEAD_LETTER = "digits.dead-letter";

    /** Largest record we produce (a model release of a few MB), with room to grow. */
    public static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    /** A topic to create, with its partitions and configs. */
    public record Spec(String name, int partitions, Map<String, String> configs) {
    }

    public static final List<Spec> ALL = List.of(
            new Spec(SAMPLES_TRAIN, 4, Map.of("compression.type", "producer")),
            new Spec(SAMPLES_TEST, 4, Map.of("compression.type", "producer")),
            new Spec(MODELS, 1, Map.of(
                    "cleanup.policy", "compact",
                    "max.message.bytes", Integer.toString(MAX_MESSAGE_BYTES))),
            new Spec(PREDICTIONS, 4, Map.of()),
            new Spec(EMBEDDINGS, 4, Map.of()),
            new Spec(EVENTS, 1, Map.of()),
            new Spec(DEAD_LETTER, 1, Map.of()));

    private Topics() {
    }
}
