package mmdigits.viz;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import mmdigits.common.Topics;
import mmdigits.common.kafka.Producers;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.Prediction;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import mmdigits.common.proto.TrainingProgress;
import mmdigits.common.proto.TrainingResult;
import mmdigits.common.sample.SampleIds;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Embeddings of ten well-separated classes, with a known set of wrong predictions, and their
 * events.
 */
public final class VizFixtures {
    public static final int DIM = 16;

    private VizFixtures() {}

    /** Row r has true label r % 10; predicted wrong (label + 1) when r % 23 == 5. */
    public static int predicted(int row) {
        return row % 23 == 5 ? (row % 10 + 1) % 10 : row % 10;
    }

    public static Embedding embedding(
            String dataset, String version, int row, boolean labelled, Random r) {
        int label = row % 10;
        Embedding.Builder b =
                Embedding.newBuilder()
                        .setSampleId(SampleIds.of(dataset, Split.TEST, row))
                        .setDataset(dataset)
                        .setRowId(row)
                        .setPredictedLabel(predicted(row))
                        .setModelVersion(version);
        if (labelled) {
            b.setTrueLabel(label);
        }
        for (int j = 0; j < DIM; j++) {
            b.addVector((float) ((j % 10 == label ? 8.0 : 0.0) + r.nextGaussian()));
        }
        return b.build();
    }

    public static Sample sample(String dataset, int row) {
        Sample.Builder b =
                Sample.newBuilder()
                        .setId(SampleIds.of(dataset, Split.TEST, row))
                        .setDataset(dataset)
                        .setSplit(Split.TEST)
                        .setRowId(row)
                        .setLabel(row % 10);
        for (int i = 0; i < 784; i++) {
            b.addImage((i / 28 + i % 28 + row) % 7 == 0 ? 255 : 0);
        }
        for (int i = 0; i < 507; i++) {
            b.addAudio((float) Math.sin(i * 0.1 + row));
        }
        return b.build();
    }

    public static Event published(String dataset, long count) {
        return Event.newBuilder()
                .setTimestampMs(System.currentTimeMillis())
                .setDatasetPublished(
                        DatasetPublished.newBuilder()
                                .setDataset(dataset)
                                .setSplit(Split.TEST)
                                .setCount(count)
                                .setLabeled(true)
                                .setFirstRowId(0)
                                .setLastRowId(count - 1)
                                .setSource("test"))
                .build();
    }

    /** A train split was published (no ranges: the viz service only needs to know it exists). */
    public static Event publishedTrain(String dataset, long count) {
        return Event.newBuilder()
                .setTimestampMs(System.currentTimeMillis())
                .setDatasetPublished(
                        DatasetPublished.newBuilder()
                                .setDataset(dataset)
                                .setSplit(Split.TRAIN)
                                .setCount(count)
                                .setLabeled(true)
                                .setSource("test"))
                .build();
    }

    /** The epochs of a run and its result: {@code version} trained on {@code dataset}. */
    public static List<Event> training(String run, String version, String dataset, int epochs) {
        List<Event> out = new ArrayList<>();
        for (int e = 1; e <= epochs; e++) {
            out.add(
                    Event.newBuilder()
                            .setTrainingProgress(
                                    TrainingProgress.newBuilder()
                                            .setRunId(run)
                                            .setEpoch(e)
                                            .setEpochs(epochs)
                                            .setLoss(1.0 / e)
                                            .setTrainAccuracy(1 - 0.5 / e)
                                            .setValidationAccuracy(1 - 0.6 / e))
                            .build());
        }
        out.add(
                Event.newBuilder()
                        .setTrainingResult(
                                TrainingResult.newBuilder()
                                        .setRunId(run)
                                        .setModelVersion(version)
                                        .setDataset(dataset)
                                        .setModelName(dataset)
                                        .setState("RELEASED"))
                        .build());
        return out;
    }

    public static void send(String bootstrap, List<ProducerRecord<String, byte[]>> records)
            throws Exception {
        try (KafkaProducer<String, byte[]> p =
                Producers.idempotent(bootstrap, "viz-fixtures", Map.of())) {
            for (ProducerRecord<String, byte[]> r : records) {
                p.send(r).get();
            }
        }
    }

    public static ProducerRecord<String, byte[]> record(Embedding e) {
        return new ProducerRecord<>(Topics.EMBEDDINGS, e.getSampleId(), e.toByteArray());
    }

    /**
     * A prediction of test row {@code row} by {@code version}; a shadow's when {@code
     * servedVersion} is given.
     */
    public static Prediction prediction(
            String dataset, String version, int row, int label, String servedVersion) {
        Prediction.Builder b =
                Prediction.newBuilder()
                        .setSampleId(SampleIds.of(dataset, Split.TEST, row))
                        .setDataset(dataset)
                        .setRowId(row)
                        .setLabel(label)
                        .setModelVersion(version)
                        .setScoredAtMs(System.currentTimeMillis());
        for (int k = 0; k < 10; k++) {
            b.addProbabilities(k == label ? 1f : 0f);
        }
        if (servedVersion != null) {
            b.setShadow(true).setServedVersion(servedVersion);
        }
        return b.build();
    }

    public static ProducerRecord<String, byte[]> record(Prediction p) {
        return new ProducerRecord<>(Topics.PREDICTIONS, p.getSampleId(), p.toByteArray());
    }

    public static ProducerRecord<String, byte[]> record(Event e) {
        return new ProducerRecord<>(Topics.EVENTS, "test", e.toByteArray());
    }

    public static ProducerRecord<String, byte[]> record(Sample s) {
        return new ProducerRecord<>(Topics.SAMPLES_TEST, s.getId(), s.toByteArray());
    }
}
