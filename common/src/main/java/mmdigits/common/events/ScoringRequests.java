package mmdigits.common.events;

import mmdigits.common.proto.Event;
import mmdigits.common.proto.ScoringRequested;

/**
 * Asking for a dataset's latest test split to be scored by a model version: a {@code
 * ScoringRequested} event on {@code digits.events}, keyed by the dataset, sent on the {@value
 * #CHANNEL} channel (an emitter of the inference and viz services; the inference replicas share the
 * work).
 */
public final class ScoringRequests {
    public static final String CHANNEL = "scoring-requests";

    private ScoringRequests() {}

    /**
     * @param name the model name, or empty: the version is looked up by itself
     */
    public static Event event(String dataset, String name, String version, String requestedBy) {
        return Event.newBuilder()
                .setTimestampMs(System.currentTimeMillis())
                .setScoringRequested(
                        ScoringRequested.newBuilder()
                                .setName(name)
                                .setVersion(version)
                                .setDataset(dataset)
                                .setRequestedBy(requestedBy))
                .build();
    }
}
