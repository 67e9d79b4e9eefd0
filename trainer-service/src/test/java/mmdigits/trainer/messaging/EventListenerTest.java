package mmdigits.trainer.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.google.protobuf.InvalidProtocolBufferException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.memory.InMemoryConnector;
import io.smallrye.reactive.messaging.memory.InMemorySource;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.Split;
import mmdigits.common.proto.TrainingProgress;
import mmdigits.common.proto.TrainingQueued;
import mmdigits.trainer.service.TrainingService;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The logic of the {@code events} channel (the training queue) on the in-memory connector: a
 * published train split queues a run, a queued run is run, a test split or another event does
 * neither, and a record that is no event is refused (nacked: on Kafka the connector's dead-letter
 * strategy takes it, which TrainingFlowIT checks on the broker).
 */
@QuarkusTest
@QuarkusTestResource(value = InMemoryEvents.class, restrictToAnnotatedClass = true)
class EventListenerTest {
    @Inject
    @Connector("smallrye-in-memory")
    InMemoryConnector connector;

    TrainingService service;

    TrainerLogs logs;

    /**
     * Fresh Mockito mocks in place of both beans for each test (what
     * quarkus-junit-mockito's @InjectMock does).
     */
    @BeforeEach
    void mocksAndLogsAreRead() throws InterruptedException {
        service = mock(TrainingService.class);
        logs = mock(TrainerLogs.class);
        QuarkusMock.installMockForType(service, TrainingService.class);
        QuarkusMock.installMockForType(logs, TrainerLogs.class);
        when(logs.awaitCaughtUp(any(Duration.class))).thenReturn(true);
    }

    static Event published(String dataset, Split split) {
        return Event.newBuilder()
                .setTimestampMs(1)
                .setDatasetPublished(
                        DatasetPublished.newBuilder()
                                .setDataset(dataset)
                                .setSplit(split)
                                .setCount(10)
                                .setPublicationId(dataset + "-" + split))
                .build();
    }

    /**
     * Sends one record and waits until the channel acknowledged or refused it; the refusal, or
     * null.
     */
    Throwable send(byte[] value) throws Exception {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        InMemorySource<Message<byte[]>> events = connector.source(EventListener.CHANNEL);
        events.send(
                Message.of(value)
                        .withAck(
                                () -> {
                                    outcome.complete(null);
                                    return CompletableFuture.completedFuture(null);
                                })
                        .withNack(
                                t -> {
                                    outcome.complete(t);
                                    return CompletableFuture.completedFuture(null);
                                }));
        return outcome.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aPublishedTrainSplitQueuesItsRun() throws Exception {
        Event e = published("digits", Split.TRAIN);

        assertThat(send(e.toByteArray())).isNull();

        verify(service, timeout(5000)).queueFor(e.getDatasetPublished());
    }

    @Test
    void aTestSplitAndOtherEventsQueueNothing() throws Exception {
        assertThat(send(published("digits", Split.TEST).toByteArray())).isNull();
        Event progress =
                Event.newBuilder()
                        .setTrainingProgress(
                                TrainingProgress.newBuilder().setRunId("r1").setEpoch(1))
                        .build();
        assertThat(send(progress.toByteArray())).isNull();

        verify(service, never()).queueFor(any());
        verify(service, never()).runQueued(any());
    }

    @Test
    void aQueuedRunIsRunAndAcknowledgedWhenItHasFinished() throws Exception {
        TrainingQueued q =
                TrainingQueued.newBuilder()
                        .setRunId("r2")
                        .setDataset("digits")
                        .setEpochs(1)
                        .build();

        assertThat(send(Event.newBuilder().setTrainingQueued(q).build().toByteArray())).isNull();

        verify(service).runQueued(q);
        verify(service, never()).queueFor(any());
    }

    @Test
    void aRecordThatIsNoEventIsRefusedWithTheParseError() throws Exception {
        Throwable refused = send(new byte[] {(byte) 0xff, 0x01, 0x02});

        assertThat(refused).isInstanceOf(InvalidProtocolBufferException.class);
        verify(service, never()).queueFor(any());
    }
}
