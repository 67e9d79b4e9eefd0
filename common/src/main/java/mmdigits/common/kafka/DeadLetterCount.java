package mmdigits.common.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The one metric of dead letters, {@code mmdigits_dead_letters_total{service,topic}} (topic: where
 * the refused record was read), counted by every service that sends them. The topics a service
 * reads are registered at start, so the series exist at 0 and an alert on their increase sees the
 * first letter.
 */
public final class DeadLetterCount {
    public static final String NAME = "mmdigits.dead.letters";

    private final MeterRegistry meters;
    private final String service;

    public DeadLetterCount(MeterRegistry meters, String service, String... topics) {
        this.meters = meters;
        this.service = service;
        for (String topic : topics) {
            counter(topic);
        }
    }

    /** Counts one record of {@code topic} sent to the dead-letter topic. */
    public void increment(String topic) {
        counter(topic).increment();
    }

    private Counter counter(String topic) {
        return Counter.builder(NAME)
                .description("Records sent to digits.dead-letter, by the topic they were read from")
                .tag("service", service)
                .tag("topic", topic)
                .register(meters);
    }
}
