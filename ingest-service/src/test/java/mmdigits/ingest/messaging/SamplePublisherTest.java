package mmdigits.ingest.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import mmdigits.common.Topics;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.TopicReader;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** A publish that fails halfway leaves nothing visible to read_committed consumers. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class SamplePublisherTest {
    @Inject SamplePublisher publisher;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    static Sample sample(String dataset, int row) {
        Sample.Builder b =
                Sample.newBuilder()
                        .setId(dataset + "/train/" + row)
                        .setDataset(dataset)
                        .setSplit(Split.TRAIN)
                        .setRowId(row)
                        .setLabel(row % 10);
        for (int i = 0; i < 784; i++) {
            b.addImage(i % 7);
        }
        for (int i = 0; i < 507; i++) {
            b.addAudio(i);
        }
        return b.build();
    }

    long count(String dataset, String topic, String isolation) {
        return TopicReader.readAll(bootstrap, topic, isolation).stream()
                .filter(r -> r.key().startsWith(dataset))
                .count();
    }

    @Test
    void failureHalfwayAbortsTheTransaction() {
        assertThatThrownBy(
                        () ->
                                publisher.publish(
                                        sink -> {
                                            for (int i = 0; i < 500; i++) {
                                                if (i == 400) {
                                                    throw new IllegalStateException(
                                                            "disk went away at row 400");
                                                }
                                                sink.send(sample("halfway", i));
                                            }
                                        },
                                        DatasetPublished.newBuilder()
                                                .setDataset("halfway")
                                                .setSplit(Split.TRAIN),
                                        null))
                .hasMessage("disk went away at row 400");
        // records reached the broker (a read_uncommitted consumer sees them; the producer drops
        // what it had not
        // sent yet) but were aborted
        assertThat(count("halfway/", Topics.SAMPLES_TRAIN, "read_uncommitted")).isBetween(1L, 400L);
        assertThat(count("halfway/", Topics.SAMPLES_TRAIN, "read_committed")).isZero();
        assertThat(count("halfway", Topics.EVENTS, "read_committed")).isZero();
    }

    @Test
    void publisherStillWorksAfterAnAbort() throws Exception {
        assertThatThrownBy(
                        () ->
                                publisher.publish(
                                        sink -> {
                                            sink.send(sample("after-abort", 0));
                                            throw new IllegalStateException("boom");
                                        },
                                        null,
                                        null))
                .hasMessage("boom");
        assertThat(publisher.publish(List.of(sample("after-abort", 1), sample("after-abort", 2))))
                .isEqualTo(2);
        assertThat(count("after-abort/", Topics.SAMPLES_TRAIN, "read_committed")).isEqualTo(2);
    }
}
