package mmdigits.common.events;

import mmdigits.common.proto.Event;
import mmdigits.common.proto.ScoringRequested;

/**
 * Asking for a dataset's test split to be scored by a model version: a {@code ScoringRequested}
 * event on {@code digits.events}, keyed by the dataset, sent on the {@value #CHANNEL} channel (an
 * emitter of the inference and viz services; the inference replicas share the work).
 */
public final class ScoringRequests {
    public static final String CHANNEL = "scoring-requests";

    private ScoringRequests() {}

    /**
     * The dataset's latest test split.
     *
     * @param name the model name, or empty: the version is looked up by itself
     */
    public static Event event(String dataset, String name, String version, String requestedBy) {
        return event(dataset, name, version, requestedBy, "");
    }

    /**
     * @param publication the test split's publication id, or empty: the dataset's latest test split
     */
    public static Event event(
            String dataset, String name, String version, String requestedBy, String publication) {
        return Event.newBuilder()
                .setTimestampMs(System.currentTimeMillis())
                .setScoringRequested(
                        ScoringRequested.newBuilder()
                                .setName(name)
                                .setVersion(version)
                                .setDataset(dataset)
                                .setRequestedBy(requestedBy)
                                .setPublicationId(publication))
                .build();
    }
}
