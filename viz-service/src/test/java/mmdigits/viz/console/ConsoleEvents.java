package mmdigits.viz.console;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.util.concurrent.atomic.AtomicLong;
import mmdigits.common.Topics;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelPromoted;
import mmdigits.common.proto.Split;
import mmdigits.common.proto.TrainingProgress;
import mmdigits.common.proto.TrainingQueued;
import mmdigits.common.proto.TrainingResult;
import mmdigits.common.proto.TrainingStarted;
import mmdigits.common.security.Pem;
import mmdigits.common.security.ReleaseSignatures;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.Keys;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The events a training run, a publication and a promotion put on the topics, as the services write
 * them: runs and publications on digits.events, promotions signed with the test release key on
 * digits.promotions.
 */
public final class ConsoleEvents {
    /** Promotion sequences: above any of an earlier run of the tests on a broker (the clock). */
    private static final AtomicLong SEQUENCE = new AtomicLong(System.currentTimeMillis());

    private ConsoleEvents() {}

    public static ProducerRecord<String, byte[]> event(String key, long atMs, Event.Builder e) {
        return new ProducerRecord<>(
                Topics.EVENTS, key, e.setTimestampMs(atMs).build().toByteArray());
    }

    public static ProducerRecord<String, byte[]> published(
            String dataset, Split split, long count, String publication, long atMs) {
        return event(
                dataset,
                atMs,
                Event.newBuilder()
                        .setDatasetPublished(
                                DatasetPublished.newBuilder()
                                        .setDataset(dataset)
                                        .setSplit(split)
                                        .setCount(count)
                                        .setLabeled(true)
                                        .setFirstRowId(0)
                                        .setLastRowId(count - 1)
                                        .setSource("console-test")
                                        .setPublishedAtMs(atMs)
                                        .setPublicationId(publication)));
    }

    public static ProducerRecord<String, byte[]> queued(
            String run, String dataset, int epochs, long atMs) {
        return event(
                run,
                atMs,
                Event.newBuilder()
                        .setTrainingQueued(
                                TrainingQueued.newBuilder()
                                        .setRunId(run)
                                        .setDataset(dataset)
                                        .setModelName(dataset)
                                        .setEpochs(epochs)
                                        .setInstanceId("trainer-0")));
    }

    public static ProducerRecord<String, byte[]> started(String run, long atMs) {
        return event(
                run,
                atMs,
                Event.newBuilder()
                        .setTrainingStarted(
                                TrainingStarted.newBuilder()
                                        .setRunId(run)
                                        .setInstanceId("trainer-0")));
    }

    /** Epoch {@code epoch} of {@code epochs}: validation accuracy 0.5 + epoch / 10. */
    public static ProducerRecord<String, byte[]> progress(String run, int epoch, int epochs) {
        return event(
                run,
                System.currentTimeMillis(),
                Event.newBuilder()
                        .setTrainingProgress(
                                TrainingProgress.newBuilder()
                                        .setRunId(run)
                                        .setEpoch(epoch)
                                        .setEpochs(epochs)
                                        .setLoss(1.0 / epoch)
                                        .setTrainAccuracy(0.4 + epoch / 10.0)
                                        .setValidationAccuracy(0.5 + epoch / 10.0)));
    }

    /** The run released {@code version} of the model named like its dataset. */
    public static ProducerRecord<String, byte[]> released(
            String run, String version, String dataset, double accuracy, long atMs) {
        return event(
                run,
                atMs,
                Event.newBuilder()
                        .setTrainingResult(
                                TrainingResult.newBuilder()
                                        .setRunId(run)
                                        .setDataset(dataset)
                                        .setModelName(dataset)
                                        .setModelVersion(version)
                                        .setState("RELEASED")
                                        .putMetrics("validation_accuracy", accuracy)
                                        .setPromoted(true)
                                        .setPromotionReason("no version promoted before")));
    }

    /**
     * The alias {@code digits} points at {@code name/version}, as the trainer's registry writes it:
     * signed, its sequence above every earlier one.
     */
    public static ProducerRecord<String, byte[]> promotion(
            String name, String version, String previousName, String previousVersion) {
        ModelPromoted.Builder p =
                ModelPromoted.newBuilder()
                        .setAlias("digits")
                        .setName(name)
                        .setVersion(version)
                        .setReason("promoted on request")
                        .setSequence(SEQUENCE.incrementAndGet())
                        .setPromotedAtMs(System.currentTimeMillis());
        if (previousName != null) {
            p.setPreviousName(previousName).setPreviousVersion(previousVersion);
        }
        return ReleaseSignatures.record(p.build(), releaseKey());
    }

    public static PrivateKey releaseKey() {
        try {
            return Pem.privateKey(
                    KafkaBrokerTestResource.testKeys().resolve(Keys.RELEASE_SIGNING),
                    ReleaseSignatures.ALGORITHM);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
