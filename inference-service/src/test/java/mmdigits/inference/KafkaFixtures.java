package mmdigits.inference;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import mmdigits.common.Topics;
import mmdigits.common.kafka.ModelKeys;
import mmdigits.common.kafka.Producers;
import mmdigits.common.kafka.Splits;
import mmdigits.common.proto.CandidateMode;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.ModelPromoted;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.proto.Prediction;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.ScoringRequested;
import mmdigits.common.proto.Split;
import mmdigits.common.proto.TrainingResult;
import mmdigits.common.sample.SampleIds;
import mmdigits.common.security.Pem;
import mmdigits.common.security.ReleaseSignatures;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.Keys;
import mmdigits.localkafka.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Test samples, releases and topic reads against the real broker. */
public final class KafkaFixtures {
    private KafkaFixtures() {}

    /** Test sample {@code row} of a dataset: labelled (row % 10) when {@code labelled}. */
    public static Sample sample(String dataset, int row, boolean labelled) {
        float[][] v = ReferenceModel.sample(new Random(row * 31L + dataset.hashCode()));
        Sample.Builder b =
                Sample.newBuilder()
                        .setId(SampleIds.of(dataset, Split.TEST, row))
                        .setDataset(dataset)
                        .setSplit(Split.TEST)
                        .setRowId(row);
        if (labelled) {
            b.setLabel(row % 10);
        }
        for (float f : v[0]) {
            b.addImage(f);
        }
        for (float f : v[1]) {
            b.addAudio(f);
        }
        return b.build();
    }

    public static float[] image(Sample s) {
        return toArray(s.getImageList());
    }

    public static float[] audio(Sample s) {
        return toArray(s.getAudioList());
    }

    static float[] toArray(List<Float> l) {
        float[] a = new float[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }

    public static KafkaProducer<String, byte[]> producer(String bootstrap) {
        return Producers.idempotent(
                bootstrap,
                "inference-fixtures",
                Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_MESSAGE_BYTES));
    }

    public static void send(String bootstrap, List<ProducerRecord<String, byte[]>> records)
            throws Exception {
        try (KafkaProducer<String, byte[]> p = producer(bootstrap)) {
            for (ProducerRecord<String, byte[]> r : records) {
                p.send(r).get();
            }
        }
    }

    public static ProducerRecord<String, byte[]> record(Sample s) {
        return new ProducerRecord<>(Topics.SAMPLES_TEST, s.getId(), s.toByteArray());
    }

    private static final AtomicLong SEQUENCE = new AtomicLong();

    /**
     * A release as the trainer writes it: the next release sequence, signed with the test release
     * key.
     */
    public static ProducerRecord<String, byte[]> record(ModelRelease r) {
        return ReleaseSignatures.record(
                r.toBuilder().setReleaseSequence(SEQUENCE.incrementAndGet()).build(), releaseKey());
    }

    /**
     * A release record with no signature (what anyone with write access to the topic could send).
     */
    public static ProducerRecord<String, byte[]> unsigned(ModelRelease r) {
        return new ProducerRecord<>(
                Topics.MODELS, ModelKeys.of(r.getName(), r.getVersion()), r.toByteArray());
    }

    static PrivateKey releaseKey() {
        try {
            return Pem.privateKey(
                    KafkaBrokerTestResource.testKeys().resolve(Keys.RELEASE_SIGNING),
                    ReleaseSignatures.ALGORITHM);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ProducerRecord<String, byte[]> event(String key, Event.Builder e) {
        return new ProducerRecord<>(
                Topics.EVENTS,
                key,
                e.setTimestampMs(System.currentTimeMillis()).build().toByteArray());
    }

    private static final AtomicLong PROMOTION_SEQUENCE = new AtomicLong();

    /**
     * The alias points at a version, as the trainer's registry writes it: on digits.promotions, the
     * next promotion sequence, signed with the test release key.
     */
    public static ProducerRecord<String, byte[]> promotion(
            String name, String version, boolean rollback) {
        return ReleaseSignatures.record(
                ModelPromoted.newBuilder()
                        .setAlias("digits")
                        .setName(name)
                        .setVersion(version)
                        .setRollback(rollback)
                        .setReason(rollback ? "rollback" : "test")
                        .setSequence(PROMOTION_SEQUENCE.incrementAndGet())
                        .build(),
                releaseKey());
    }

    /**
     * A promotion that keeps {@code version} as the target and puts a candidate beside it (a canary
     * of {@code percent} %, or a shadow), signed and in sequence like {@link #promotion}.
     */
    public static ProducerRecord<String, byte[]> candidatePromotion(
            String name, String version, CandidateMode mode, String candidateVersion, int percent) {
        return ReleaseSignatures.record(
                ModelPromoted.newBuilder()
                        .setAlias("digits")
                        .setName(name)
                        .setVersion(version)
                        .setReason("test " + mode)
                        .setSequence(PROMOTION_SEQUENCE.incrementAndGet())
                        .setCandidateMode(mode)
                        .setCandidateName(name)
                        .setCandidateVersion(candidateVersion)
                        .setCandidatePercent(percent)
                        .build(),
                releaseKey());
    }

    /** A promotion nobody signed (what anyone with write access to the topic could send). */
    public static ProducerRecord<String, byte[]> unsignedPromotion(
            String name, String version, long sequence) {
        return new ProducerRecord<>(
                Topics.PROMOTIONS,
                "digits",
                ModelPromoted.newBuilder()
                        .setAlias("digits")
                        .setName(name)
                        .setVersion(version)
                        .setSequence(sequence)
                        .build()
                        .toByteArray());
    }

    /** A version trained on a dataset was released (the trainer's TrainingResult). */
    public static ProducerRecord<String, byte[]> released(
            String name, String version, String dataset) {
        return event(
                "run-" + version,
                Event.newBuilder()
                        .setTrainingResult(
                                TrainingResult.newBuilder()
                                        .setRunId("run-" + version)
                                        .setDataset(dataset)
                                        .setModelName(name)
                                        .setModelVersion(version)
                                        .setState("RELEASED")));
    }

    public static ProducerRecord<String, byte[]> scoringRequested(String version, String dataset) {
        return event(
                dataset,
                Event.newBuilder()
                        .setScoringRequested(
                                ScoringRequested.newBuilder()
                                        .setVersion(version)
                                        .setDataset(dataset)));
    }

    /**
     * Publishes a test split as the ingest service does (one transaction, publication headers, the
     * event with the ranges).
     */
    public static DatasetPublished publishSplit(
            String bootstrap, String dataset, List<Sample> samples) {
        return Splits.publish(bootstrap, dataset, Split.TEST, samples);
    }

    public static ProducerRecord<String, byte[]> poison(String key, String value) {
        return new ProducerRecord<>(
                Topics.SAMPLES_TEST, key, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Predictions of a model version by sample id (all of them, to count duplicates). */
    public static Map<String, List<Prediction>> predictions(String bootstrap, String version)
            throws Exception {
        Map<String, List<Prediction>> out = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> r :
                TopicReader.readAll(bootstrap, Topics.PREDICTIONS, "read_committed")) {
            Prediction p = Prediction.parseFrom(r.value());
            if (version == null || version.equals(p.getModelVersion())) {
                out.computeIfAbsent(p.getSampleId(), k -> new ArrayList<>()).add(p);
            }
        }
        return out;
    }

    /** Waits until {@code n} distinct samples have a prediction of the version. */
    public static Map<String, List<Prediction>> awaitPredictions(
            String bootstrap, String version, int n, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, List<Prediction>> p = Map.of();
        while (System.nanoTime() < deadline) {
            p = predictions(bootstrap, version);
            if (p.size() >= n) {
                return p;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(
                "only "
                        + p.size()
                        + " of "
                        + n
                        + " samples scored by "
                        + version
                        + " within "
                        + timeout);
    }
}
