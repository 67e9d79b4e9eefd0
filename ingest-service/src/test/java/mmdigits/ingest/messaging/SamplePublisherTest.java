package mmdigits.ingest.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
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
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** A publish that fails halfway leaves nothing visible to read_committed consumers. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class SamplePublisherTest {
    @Inject SamplePublisher publisher;
    @Inject MeterRegistry meters;

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
                                                    awaitRecordsOnTheBroker("halfway/");
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
        // what it had not sent yet) but were aborted
        assertThat(count("halfway/", Topics.SAMPLES_TRAIN, "read_uncommitted")).isBetween(1L, 400L);
        assertThat(count("halfway/", Topics.SAMPLES_TRAIN, "read_committed")).isZero();
        assertThat(count("halfway", Topics.EVENTS, "read_committed")).isZero();
    }

    /**
     * Waits (up to 30 s) until the producer's sender has delivered some of the open transaction.
     */
    void awaitRecordsOnTheBroker(String prefix) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (count(prefix, Topics.SAMPLES_TRAIN, "read_uncommitted") == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no record of " + prefix + " reached the broker in 30 s");
            }
        }
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

    /**
     * A transaction that starts while the broker still writes the markers of the one before meets
     * CONCURRENT_TRANSACTIONS on its first batches (and out-of-order sequences behind them): what a
     * user saw as an occasional 503 on the POST right after a dataset. Every back-to-back publish
     * must commit, each exactly once.
     */
    @Test
    void backToBackTransactionsAllCommit() throws Exception {
        int rounds = 40;
        for (int r = 0; r < rounds; r++) {
            String dataset = "back-to-back-" + r;
            publisher.publish(
                    sink -> {
                        for (int i = 0; i < 600; i++) {
                            sink.send(sample(dataset, i));
                        }
                    },
                    DatasetPublished.newBuilder().setDataset(dataset).setSplit(Split.TRAIN),
                    null);
            assertThat(publisher.publish(List.of(sample(dataset, 600), sample(dataset, 601))))
                    .isEqualTo(2);
        }
        List<String> keys =
                TopicReader.readAll(bootstrap, Topics.SAMPLES_TRAIN, "read_committed").stream()
                        .map(r -> r.key())
                        .filter(k -> k.startsWith("back-to-back-"))
                        .toList();
        assertThat(keys).hasSize(rounds * 602).doesNotHaveDuplicates();
    }

    /**
     * When the client gives up on a transaction ({@link TransactionAbortableException}, as after
     * the stall above) while the broker answers, the transaction is aborted and sent once more: the
     * caller sees one success, readers see every sample once, none of the first attempt.
     */
    @Test
    void aTransactionTheClientGaveUpOnIsSentOnceMore() throws Exception {
        int[] attempts = {0};
        double retriedBefore = retried("train");
        SamplePublisher.Published published =
                publisher.publish(
                        sink -> {
                            attempts[0]++;
                            for (int i = 0; i < 300; i++) {
                                sink.send(sample("gave-up", i));
                                if (attempts[0] == 1 && i == 200) {
                                    throw new TransactionAbortableException(
                                            "Transaction Request was aborted after exhausting retries.");
                                }
                            }
                        },
                        DatasetPublished.newBuilder().setDataset("gave-up").setSplit(Split.TRAIN),
                        null);
        assertThat(attempts[0]).isEqualTo(2);
        assertThat(published.count()).isEqualTo(300);
        assertThat(retried("train") - retriedBefore).isEqualTo(1.0);
        List<String> keys =
                TopicReader.readAll(bootstrap, Topics.SAMPLES_TRAIN, "read_committed").stream()
                        .map(r -> r.key())
                        .filter(k -> k.startsWith("gave-up/"))
                        .toList();
        assertThat(keys).hasSize(300).doesNotHaveDuplicates();
        assertThat(count("gave-up", Topics.EVENTS, "read_committed")).isEqualTo(1);
    }

    /** A failure the client did not give up on (the caller's own) is not sent again. */
    @Test
    void otherFailuresAreNotSentAgain() {
        int[] attempts = {0};
        assertThatThrownBy(
                        () ->
                                publisher.publish(
                                        sink -> {
                                            attempts[0]++;
                                            sink.send(sample("once", 0));
                                            throw new KafkaException("record too large");
                                        },
                                        null,
                                        null))
                .hasMessage("record too large");
        assertThat(attempts[0]).isEqualTo(1);
    }

    double retried(String kind) {
        return meters.counter("mmdigits.ingest.transactions.retried", "kind", kind).count();
    }
}
