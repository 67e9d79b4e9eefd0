package mmdigits.common.events;

import java.security.PublicKey;
import java.util.Map;
import mmdigits.common.Topics;
import mmdigits.common.kafka.TopicLog;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelPromoted;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.security.SequenceCheck;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/** The logs the services derive their state from. */
public final class Logs {
    private Logs() {}

    /** {@code digits.events}: publications, runs, scoring requests. */
    public static TopicLog<Event> events(Map<String, Object> connection, String clientId) {
        return new TopicLog<>(
                connection,
                Topics.EVENTS,
                clientId,
                Event::parseFrom,
                Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000));
    }

    /**
     * {@code digits.models}: releases (a few MB each) and tombstones; only releases signed with the
     * trainer's key, in increasing sequence, are accepted ({@link SequenceCheck}).
     */
    public static TopicLog<ModelRelease> models(
            Map<String, Object> connection, String clientId, PublicKey verifyKey) {
        return new TopicLog<>(
                        connection,
                        Topics.MODELS,
                        clientId,
                        ModelRelease::parseFrom,
                        Map.of(
                                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                                        Topics.MAX_MESSAGE_BYTES,
                                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Topics.MAX_MESSAGE_BYTES,
                                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 8))
                .check(SequenceCheck.releases(verifyKey));
    }

    /**
     * {@code digits.promotions}: which version each alias points at; only promotions signed with
     * the trainer's key, in increasing sequence, are accepted ({@link SequenceCheck}).
     */
    public static TopicLog<ModelPromoted> promotions(
            Map<String, Object> connection, String clientId, PublicKey verifyKey) {
        return new TopicLog<>(
                        connection, Topics.PROMOTIONS, clientId, ModelPromoted::parseFrom, Map.of())
                .check(SequenceCheck.promotions(verifyKey));
    }
}
