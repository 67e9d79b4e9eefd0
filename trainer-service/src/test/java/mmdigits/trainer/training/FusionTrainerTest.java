package mmdigits.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mmdigits.common.sample.TensorNames;
import mmdigits.trainer.onnx.ExportGate;
import mmdigits.trainer.onnx.OrtRunner;
import org.junit.jupiter.api.Test;

/** A few epochs on a small learnable fixture (accuracy bars for real data belong to benchmarks). */
class FusionTrainerTest {
    static final FusionConfig CONFIG =
            FusionConfig.builder()
                    .optSpec(FusionSpec.small())
                    .optEpochs(10)
                    .optBatchSize(32)
                    .optLearningRate(3e-3f)
                    .optModalityDropout(0.5f)
                    .optSeed(5)
                    .optValidationFraction(0.2f)
                    // the fixture's digit is the row of a bar, 2 px per class: shifts would erase
                    // it
                    .optAugmentation(Augmentation.none())
                    .build();

    @Test
    void learnsEachModalityAndReleasesAMatchingOnnxModel() throws Exception {
        TrainingSet data = Fixtures.set(600, 1);
        List<FusionTrainer.Epoch> seen = new ArrayList<>();
        FusionTrainer.Result r =
                FusionTrainer.train(
                        data,
                        CONFIG,
                        ExportGate.ONNX,
                        new FusionTrainer.Listener() {
                            @Override
                            public void onEpoch(FusionTrainer.Epoch epoch) {
                                seen.add(epoch);
                            }
                        });
        assertThat(seen)
                .hasSize(10)
                .extracting(FusionTrainer.Epoch::epoch)
                .containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        assertThat(seen.get(9).loss()).isLessThan(seen.get(0).loss());
        assertThat(r.trainSamples()).isEqualTo(480);
        assertThat(r.validationSamples()).isEqualTo(120);
        assertThat(r.metrics().get("validation_accuracy"))
                .as(r.metrics().toString())
                .isGreaterThanOrEqualTo(0.95);
        assertThat(r.metrics().get("validation_accuracy_image_only"))
                .as(r.metrics().toString())
                .isGreaterThanOrEqualTo(0.8);
        assertThat(r.metrics().get("validation_accuracy_audio_only")).isGreaterThanOrEqualTo(0.8);
        assertThat(r.metrics().get("export_max_abs_delta")).isLessThanOrEqualTo(1e-4);
        assertThat(r.metrics().get("export_embedding_max_abs_delta")).isLessThanOrEqualTo(1e-4);
        assertThat(r.training().getEpoch()).as("DJL's training result").isEqualTo(10);
        assertThat((double) r.training().getValidateEvaluation("Accuracy"))
                .as("the last epoch's validation accuracy, as DJL's evaluator counted it")
                .isEqualTo(seen.get(9).validationAccuracy(), within(1e-6));
        assertThat(r.device()).isEqualTo("cpu()");
        assertThat(r.metrics().get("validation_accuracy"))
                .isEqualTo(
                        seen.get((int) Math.round(r.metrics().get("best_epoch")) - 1)
                                .validationAccuracy());

        // the released bytes load in ONNX Runtime and classify a fixture sample correctly
        var s = Fixtures.sample("fixture", 10_003, 2);
        float[] img = Fixtures.image(s);
        float[] aud = Fixtures.audio(s);
        try (OrtRunner ort = new OrtRunner(r.onnx())) {
            float[] p =
                    ort.run(
                                    Map.of("image", img, "audio", aud),
                                    Map.of(
                                            "image",
                                            new long[] {1, 784},
                                            "audio",
                                            new long[] {1, 507}),
                                    TensorNames.PROBABILITIES)
                            .get(TensorNames.PROBABILITIES);
            int best = 0;
            for (int k = 1; k < 10; k++) {
                best = p[k] > p[best] ? k : best;
            }
            assertThat(best).isEqualTo(s.getLabel());
        }
        assertDriftReferenceIsTheExportedModelsOnHeldOutRows(data, r);
    }

    /** 120 held-out rows, fewer than the 500 asked for: the reference embeds all of them. */
    private static void assertDriftReferenceIsTheExportedModelsOnHeldOutRows(
            TrainingSet data, FusionTrainer.Result r) throws Exception {
        var ref = r.driftReference();
        assertThat(ref.getInputSamples()).isEqualTo(480);
        assertThat(ref.getEmbeddingSamples()).isEqualTo(120);
        assertThat(ref.getEmbeddingDim()).isEqualTo(r.embeddingDim());
        assertThat(ref.getImageFeatures()).isEqualTo(CONFIG.spec().imageFeatures());
        int[] rows = r.validationRows();
        try (OrtRunner ort = new OrtRunner(r.onnx())) {
            float[] e =
                    ort.run(
                                    Map.of("image", data.images(rows), "audio", data.audio(rows)),
                                    Map.of(
                                            "image",
                                            new long[] {rows.length, 784},
                                            "audio",
                                            new long[] {rows.length, 507}),
                                    TensorNames.EMBEDDING)
                            .get(TensorNames.EMBEDDING);
            assertThat(ref.getEmbeddingsCount()).isEqualTo(e.length);
            for (int i = 0; i < e.length; i++) {
                assertThat(ref.getEmbeddings(i)).isCloseTo(e[i], within(1e-3f));
            }
        }
    }

    @Test
    void sameSeedSameRun() throws Exception {
        FusionConfig c = CONFIG.toBuilder().optEpochs(1).build();
        FusionTrainer.Result a =
                FusionTrainer.train(
                        Fixtures.set(200, 4), c, ExportGate.ONNX, new FusionTrainer.Listener() {});
        FusionTrainer.Result b =
                FusionTrainer.train(
                        Fixtures.set(200, 4), c, ExportGate.ONNX, new FusionTrainer.Listener() {});
        assertThat(a.epochs().get(0).loss()).isEqualTo(b.epochs().get(0).loss());
        assertThat(a.parameters()).isEqualTo(b.parameters());
    }

    @Test
    void unusableDataFailsWithAReason() {
        assertThatThrownBy(
                        () ->
                                FusionTrainer.train(
                                        new TrainingSet(),
                                        CONFIG,
                                        ExportGate.ONNX,
                                        new FusionTrainer.Listener() {}))
                .isInstanceOf(TrainingException.class)
                .hasMessageContaining("the training set is empty");
        TrainingSet one = new TrainingSet();
        for (int i = 0; i < 20; i++) {
            one.add(Fixtures.sample("x", i * 10, 1));
        }
        assertThatThrownBy(
                        () ->
                                FusionTrainer.train(
                                        one,
                                        CONFIG,
                                        ExportGate.ONNX,
                                        new FusionTrainer.Listener() {}))
                .hasMessage(
                        "the training set has only one class (label 0) in 20 samples: a classifier needs at least two");
    }

    @Test
    void latestRecordWinsAndBytesSwitchToFloats() {
        TrainingSet s = new TrainingSet();
        s.add(Fixtures.sample("d", 1, 1));
        s.add(Fixtures.sample("d", 2, 1));
        var changed = Fixtures.sample("d", 1, 9).toBuilder().setLabel(7).setImage(0, 0.5f).build();
        s.add(changed);
        assertThat(s.size()).isEqualTo(2);
        assertThat(s.label(0)).isEqualTo(7);
        assertThat(s.imagesAreBytes()).isFalse();
        assertThat(s.image(0, 0)).isEqualTo(0.5f);
        assertThat(s.image(1, 5)).isEqualTo(Fixtures.sample("d", 2, 1).getImage(5));
    }
}
