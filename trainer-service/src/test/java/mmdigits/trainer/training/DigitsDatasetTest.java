package mmdigits.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Record;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import mmdigits.common.sample.Dimensions;
import mmdigits.trainer.training.DigitsDataset.Modalities;
import org.junit.jupiter.api.Test;

class DigitsDatasetTest {
    final TrainingSet data = Fixtures.set(40, 7);
    final float[] blank = new float[Dimensions.AUDIO];

    {
        for (int i = 0; i < blank.length; i++) {
            blank[i] = i * 0.01f;
        }
    }

    DigitsDataset.Builder rows(int... rows) {
        return DigitsDataset.builder()
                .setRows(data, rows)
                .optBlankAudio(blank)
                .setSampling(4, false);
    }

    @Test
    void servesTheRowsUnchangedWithTheirLabels() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            DigitsDataset d = rows(3, 17).build();
            assertThat(d.size()).isEqualTo(2);
            Record r = d.get(m, 1);
            assertThat(r.getData().get(0).toFloatArray()).containsExactly(data.image(17));
            assertThat(r.getData().get(1).toFloatArray()).containsExactly(data.audio(17));
            assertThat(r.getLabels().singletonOrThrow().getFloat()).isEqualTo(data.label(17));
        }
    }

    @Test
    void blanksOneModalityForEvaluation() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Record imageOnly = rows(5).optModalities(Modalities.IMAGE_ONLY).build().get(m, 0);
            assertThat(imageOnly.getData().get(0).toFloatArray()).containsExactly(data.image(5));
            assertThat(imageOnly.getData().get(1).toFloatArray()).containsExactly(blank);
            Record audioOnly = rows(5).optModalities(Modalities.AUDIO_ONLY).build().get(m, 0);
            assertThat(audioOnly.getData().get(0).toFloatArray())
                    .containsOnly(0f)
                    .hasSize(Dimensions.IMAGE);
            assertThat(audioOnly.getData().get(1).toFloatArray()).containsExactly(data.audio(5));
        }
    }

    @Test
    void modalityDropoutBlanksTheShareAskedForHalfEach() throws Exception {
        int[] all = new int[40];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        DigitsDataset d = rows(all).optModalityDropout(0.4f).optSeed(9).build();
        int noImage = 0;
        int noAudio = 0;
        int n = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (int pass = 0; pass < 50; pass++) {
                for (int i = 0; i < 40; i++) {
                    Record r = d.get(m, i);
                    noImage += isZero(r.getData().get(0).toFloatArray()) ? 1 : 0;
                    noAudio += Arrays.equals(r.getData().get(1).toFloatArray(), blank) ? 1 : 0;
                    n++;
                }
            }
        }
        assertThat(noImage / (double) n).isBetween(0.17, 0.23);
        assertThat(noAudio / (double) n).isBetween(0.17, 0.23);
    }

    @Test
    void mismatchedPairsTakeAnotherRowsRecordingAndKeepTheImagesLabel() throws Exception {
        int[] all = new int[40];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        Augmentation swapAll = new Augmentation(0, 0, 0, 0, 0, 0, 0, 0, 0, 1f);
        DigitsDataset d = rows(all).optAugmentation(swapAll).optSeed(2).build();
        int swapped = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < 40; i++) {
                Record r = d.get(m, i);
                float[] audio = r.getData().get(1).toFloatArray();
                int from = -1;
                for (int k = 0; k < 40; k++) {
                    from = Arrays.equals(audio, data.audio(k)) ? k : from;
                }
                assertThat(from).as("a recording of the dataset's rows").isNotNegative();
                swapped += from != i ? 1 : 0;
                assertThat(r.getData().get(0).toFloatArray()).containsExactly(data.image(i));
                assertThat(r.getLabels().singletonOrThrow().getFloat()).isEqualTo(data.label(i));
            }
        }
        assertThat(swapped).isGreaterThan(30);
    }

    @Test
    void batchesStackSamplesInOrder() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            List<Float> labels = new ArrayList<>();
            for (Batch b : rows(0, 1, 2, 3, 4, 5).build().getData(m)) {
                assertThat(b.getData().get(0).getShape().get(1)).isEqualTo(Dimensions.IMAGE);
                assertThat(b.getData().get(1).getShape().get(1)).isEqualTo(Dimensions.AUDIO);
                for (float l : b.getLabels().singletonOrThrow().toFloatArray()) {
                    labels.add(l);
                }
                b.close();
            }
            assertThat(labels)
                    .containsExactly(
                            (float) data.label(0),
                            (float) data.label(1),
                            (float) data.label(2),
                            (float) data.label(3),
                            (float) data.label(4),
                            (float) data.label(5));
        }
    }

    static boolean isZero(float[] v) {
        for (float x : v) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
