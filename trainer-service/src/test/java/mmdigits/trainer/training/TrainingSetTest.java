package mmdigits.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import mmdigits.common.proto.Sample;
import org.junit.jupiter.api.Test;

/** The rows of a train split come out in the seed files' order, whatever order they arrived in. */
class TrainingSetTest {
    static TrainingSet shuffledThenSorted(List<Sample> samples, long seed) {
        List<Sample> arrived = new ArrayList<>(samples);
        Collections.shuffle(arrived, new Random(seed));
        TrainingSet set = new TrainingSet();
        arrived.forEach(set::add);
        set.sortByRowId();
        return set;
    }

    static void assertSameRows(TrainingSet a, TrainingSet b) {
        assertThat(a.size()).isEqualTo(b.size());
        int[] all = new int[a.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
            assertThat(a.id(i)).isEqualTo(b.id(i));
        }
        assertThat(a.labels(all)).isEqualTo(b.labels(all));
        assertThat(a.images(all)).isEqualTo(b.images(all));
        assertThat(a.audio(all)).isEqualTo(b.audio(all));
    }

    @Test
    void anyArrivalOrderGivesTheRowsOfTheFiles() {
        List<Sample> samples = new ArrayList<>();
        for (int row = 0; row < 37; row++) {
            samples.add(Fixtures.sample("demo", row, 5));
        }
        TrainingSet inOrder = new TrainingSet();
        samples.forEach(inOrder::add);
        TrainingSet a = shuffledThenSorted(samples, 1);
        TrainingSet b = shuffledThenSorted(samples, 2);
        assertThat(a.id(0)).isEqualTo("demo/train/0");
        assertThat(a.id(36)).isEqualTo("demo/train/36");
        assertSameRows(a, inOrder);
        assertSameRows(b, inOrder);
        assertThat(a.imagesAreBytes()).isTrue();
    }

    @Test
    void imagesOfFloatsAreSortedAlike() {
        List<Sample> samples = new ArrayList<>();
        for (int row = 0; row < 12; row++) {
            Sample s = Fixtures.sample("demo", row, 9);
            samples.add(s.toBuilder().setImage(3, 0.5f + row).build()); // not a byte: floats
        }
        TrainingSet inOrder = new TrainingSet();
        samples.forEach(inOrder::add);
        TrainingSet sorted = shuffledThenSorted(samples, 3);
        assertThat(sorted.imagesAreBytes()).isFalse();
        assertSameRows(sorted, inOrder);
        assertThat(sorted.image(5, 3)).isEqualTo(5.5f);
    }
}
