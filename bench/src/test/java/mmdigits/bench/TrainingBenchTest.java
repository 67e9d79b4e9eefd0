package mmdigits.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import mmdigits.trainer.training.FusionSpec;
import mmdigits.trainer.training.Layer;
import org.junit.jupiter.api.Test;

/** The PyTorch peer is told the widths of the CNN that DJL trains. */
class TrainingBenchTest {
    @Test
    void thePeerGetsTheSpecsWidths() {
        assertThat(TrainingBench.cnn(FusionSpec.withCnn(7, 9, 11))).isEqualTo("7,9,11");
        assertThat(TrainingBench.cnn(FusionSpec.small())).isEqualTo("4,8,16");
    }

    @Test
    void aCnnThePeerCannotBuildIsRefused() {
        FusionSpec one =
                new FusionSpec(
                        List.of(new Layer.Conv(1, 5, 3, 0), new Layer.Flatten()),
                        List.of(),
                        List.of(),
                        5,
                        0);
        assertThatThrownBy(() -> TrainingBench.cnn(one))
                .hasMessageContaining("two convolutions")
                .hasMessageContaining("[5]");
    }
}
