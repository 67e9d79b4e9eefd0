package mmdigits.inference.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import mmdigits.common.proto.ModelRelease;
import mmdigits.common.sample.Dimensions;
import mmdigits.inference.Instance;
import mmdigits.inference.ReferenceModel;
import org.junit.jupiter.api.Test;

class LoadedModelTest {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();

    @Test
    void scoresABatchLikeTheReferenceForwardPassWithBlanksForMissingModalities() throws Exception {
        ReferenceModel ref = new ReferenceModel(7);
        LoadedModel m = LoadedModel.open(ref.release("v1", 1000), 1, env, 1);
        try {
            Random r = new Random(1);
            List<Instance> xs = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                float[][] s = ReferenceModel.sample(r);
                xs.add(new Instance(i % 3 == 1 ? null : s[0], i % 3 == 2 ? null : s[1]));
            }
            Scores scores = m.score(xs);
            assertThat(scores.n()).isEqualTo(30);
            assertThat(scores.dim()).isEqualTo(ReferenceModel.D);
            assertThat(scores.modelVersion()).isEqualTo("v1");
            for (int i = 0; i < xs.size(); i++) {
                double[][] expected = ref.forward(xs.get(i).image(), xs.get(i).audio());
                float[] p = scores.probabilities(i);
                float[] e = scores.embedding(i);
                for (int k = 0; k < Dimensions.CLASSES; k++) {
                    assertThat((double) p[k])
                            .as("row %d class %d", i, k)
                            .isCloseTo(expected[0][k], within(1e-5));
                }
                for (int j = 0; j < ReferenceModel.D; j++) {
                    assertThat((double) e[j])
                            .as("row %d embedding %d", i, j)
                            .isCloseTo(expected[1][j], within(1e-4));
                }
                assertThat(scores.label(i))
                        .isEqualTo(ref.label(xs.get(i).image(), xs.get(i).audio()));
            }
            // a slice keeps its rows
            Scores slice = scores.slice(10, 5);
            assertThat(slice.probabilities(0)).containsExactly(scores.probabilities(10));
            assertThat(slice.embedding(4)).containsExactly(scores.embedding(14));
        } finally {
            m.release();
        }
    }

    @Test
    void theSessionClosesOnlyWithTheLastReference() throws Exception {
        LoadedModel m = LoadedModel.open(new ReferenceModel(1).release("v1", 1), 1, env, 1);
        assertThat(m.retain()).isTrue(); // a call in flight
        m.release(); // the registry lets go (swap)
        assertThat(m.isClosed()).isFalse();
        Scores s = m.score(List.of(new Instance(new float[Dimensions.IMAGE], null)));
        assertThat(s.n()).isEqualTo(1);
        m.release(); // the call ends
        assertThat(m.isClosed()).isTrue();
        assertThat(m.retain()).isFalse();
    }

    @Test
    void refusesAGraphWithoutTheContractsTensors() {
        ModelRelease good = new ReferenceModel(1).release("v1", 1);
        byte[] onnx = good.getOnnx().toByteArray();
        OnnxMl.ModelProto proto;
        try {
            proto = OnnxMl.ModelProto.parseFrom(onnx);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        var graph = proto.getGraph().toBuilder().removeOutput(1); // no "embedding" output
        ModelRelease bad =
                good.toBuilder()
                        .setOnnx(
                                ByteString.copyFrom(
                                        proto.toBuilder().setGraph(graph).build().toByteArray()))
                        .build();
        assertThatThrownBy(() -> LoadedModel.open(bad, 1, env, 1))
                .hasMessageContaining("no tensor 'embedding'");

        ModelRelease garbage =
                good.toBuilder().setOnnx(ByteString.copyFromUtf8("not a model")).build();
        assertThatThrownBy(() -> LoadedModel.open(garbage, 1, env, 1))
                .isInstanceOf(OrtException.class);

        ModelRelease shortBlank = good.toBuilder().clearBlankAudio().addBlankAudio(1f).build();
        assertThatThrownBy(() -> LoadedModel.open(shortBlank, 1, env, 1))
                .hasMessageContaining("blank_audio has 1 values");
    }
}
