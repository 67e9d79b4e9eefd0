package mmdigits.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.WithDefault;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;
import mmdigits.trainer.config.TrainerConfig;
import org.junit.jupiter.api.Test;

/**
 * The run settings' defaults are written once, in {@link FusionConfig.Builder}; the service's
 * settings ({@code trainer.*} in application.properties, and the defaults of {@link TrainerConfig}
 * under them) must say the same, or a run started by hand and one started by the service differ.
 */
class FusionConfigTest {
    static Properties applicationProperties() throws IOException {
        Properties p = new Properties();
        try (InputStream in =
                FusionConfigTest.class.getResourceAsStream("/application.properties")) {
            p.load(in);
        }
        return p;
    }

    /** Each trainer.* setting against the default it must agree with, as text. */
    static Map<String, String> defaults() {
        FusionConfig d = FusionConfig.defaults();
        return Map.of(
                "epochs", String.valueOf(d.epochs()),
                "batch-size", String.valueOf(d.batchSize()),
                "learning-rate", String.valueOf(d.learningRate()),
                "seed", String.valueOf(d.seed()),
                "validation-fraction", String.valueOf(d.validationFraction()),
                "modality-dropout", String.valueOf(d.modalityDropout()),
                "augment", String.valueOf(d.augmentation().equals(Augmentation.standard())),
                "model", d.spec().equals(FusionSpec.standard()) ? "standard" : "small");
    }

    @Test
    void applicationPropertiesAgreeWithTheDefaults() throws IOException {
        Properties p = applicationProperties();
        defaults()
                .forEach(
                        (key, expected) ->
                                assertThat(normalised(p.getProperty("trainer." + key)))
                                        .as("trainer." + key)
                                        .isEqualTo(expected));
        assertThat(p.getProperty("trainer.epochs")).isEqualTo("7");
    }

    @Test
    void theConfigMappingsDefaultsAgreeToo() throws NoSuchMethodException {
        Map<String, String> methods =
                Map.of(
                        "epochs", "epochs",
                        "batch-size", "batchSize",
                        "learning-rate", "learningRate",
                        "seed", "seed",
                        "validation-fraction", "validationFraction",
                        "modality-dropout", "modalityDropout",
                        "augment", "augment",
                        "model", "model");
        for (var e : methods.entrySet()) {
            WithDefault d =
                    TrainerConfig.class.getMethod(e.getValue()).getAnnotation(WithDefault.class);
            assertThat(normalised(d.value()))
                    .as("TrainerConfig." + e.getValue())
                    .isEqualTo(defaults().get(e.getKey()));
        }
    }

    @Test
    void aCopyChangesOnlyWhatItSets() {
        FusionConfig d = FusionConfig.defaults();
        FusionConfig c = d.toBuilder().optEpochs(3).optSeed(9).build();
        assertThat(c.epochs()).isEqualTo(3);
        assertThat(c.seed()).isEqualTo(9);
        assertThat(c.toBuilder().optEpochs(d.epochs()).optSeed(d.seed()).build()).isEqualTo(d);
    }

    /** Numbers as Java prints them (0.002 → 0.002, 0.1 → 0.1), so floats compare as text. */
    private static String normalised(String value) {
        if (value == null || !value.matches("-?[0-9.eE-]+") || !value.contains(".")) {
            return value;
        }
        return String.valueOf(Float.parseFloat(value));
    }
}
