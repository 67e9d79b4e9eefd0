package mmdigits.trainer.training;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import mmdigits.common.sample.Dimensions;

/**
 * Rows of a {@link TrainingSet} as a DJL dataset: data (raw image [784], raw MFCC [507]), label
 * (the digit). In training each drawn sample is augmented ({@link Augmentation}) and, for a share
 * of them, one modality is blanked (modality dropout) the way a missing input is fed at inference:
 * image zeros, audio the training mean. For evaluation a dataset can blank one modality in every
 * sample ({@link Modalities}).
 */
public final class DigitsDataset extends RandomAccessDataset {
    private final TrainingSet data;
    private final int[] rows;
    private final Augmentation augmentation;
    private final float modalityDropout;
    private final Modalities modalities;
    private final float[] blankAudio;
    private final long seed;
    private final AtomicLong draws = new AtomicLong();

    /** Which inputs every sample keeps. */
    public enum Modalities {
        BOTH,
        IMAGE_ONLY,
        AUDIO_ONLY
    }

    private DigitsDataset(Builder builder) {
        super(builder);
        this.data = builder.data;
        this.rows = builder.rows;
        this.augmentation = builder.augmentation;
        this.modalityDropout = builder.modalityDropout;
        this.modalities = builder.modalities;
        this.blankAudio = builder.blankAudio;
        this.seed = builder.seed;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Record get(NDManager manager, long index) {
        int row = rows[Math.toIntExact(index)];
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + draws.getAndIncrement());
        Modalities kept = modalities == Modalities.BOTH ? dropOne(random) : modalities;
        float[] image = augmentation.image(data.image(row), random);
        float[] audio = data.audio(audioRow(row, kept, random));
        augmentation.audio(audio, random);
        if (kept == Modalities.AUDIO_ONLY) {
            Arrays.fill(image, 0f);
        } else if (kept == Modalities.IMAGE_ONLY) {
            audio = blankAudio.clone();
        }
        NDList input = new NDList(manager.create(image), manager.create(audio));
        return new Record(input, new NDList(manager.create((float) data.label(row))));
    }

    /** The row whose recording goes with {@code row}'s image: another one for mismatched pairs. */
    private int audioRow(int row, Modalities kept, SplittableRandom random) {
        if (kept == Modalities.BOTH
                && augmentation.mismatchedAudio() > 0
                && random.nextDouble() < augmentation.mismatchedAudio()) {
            return rows[random.nextInt(rows.length)];
        }
        return row;
    }

    /** Modality dropout: a share {@code modalityDropout} loses one input, half each. */
    private Modalities dropOne(SplittableRandom random) {
        double r = random.nextDouble();
        if (r < modalityDropout / 2.0) {
            return Modalities.AUDIO_ONLY;
        }
        return r < modalityDropout ? Modalities.IMAGE_ONLY : Modalities.BOTH;
    }

    @Override
    protected long availableSize() {
        return rows.length;
    }

    @Override
    public void prepare(Progress progress) {
        // the rows are in memory already
    }

    /** Builds a dataset, DJL style: {@code setSampling} is required, the rest optional. */
    public static final class Builder extends BaseBuilder<Builder> {
        private TrainingSet data;
        private int[] rows;
        private Augmentation augmentation = Augmentation.none();
        private float modalityDropout;
        private Modalities modalities = Modalities.BOTH;
        private float[] blankAudio = new float[Dimensions.AUDIO];
        private long seed;

        @Override
        protected Builder self() {
            return this;
        }

        /** The rows of {@code data} this dataset serves. */
        public Builder setRows(TrainingSet data, int[] rows) {
            this.data = data;
            this.rows = rows.clone();
            return this;
        }

        public Builder optAugmentation(Augmentation augmentation) {
            this.augmentation = augmentation;
            return this;
        }

        /** Share of samples that lose one modality (training only). */
        public Builder optModalityDropout(float rate) {
            this.modalityDropout = rate;
            return this;
        }

        /** Keep only one modality in every sample (evaluation). */
        public Builder optModalities(Modalities modalities) {
            this.modalities = modalities;
            return this;
        }

        /** The raw MFCC a missing recording is replaced with (the training mean). */
        public Builder optBlankAudio(float[] blankAudio) {
            this.blankAudio = blankAudio.clone();
            return this;
        }

        /** Seeds augmentation and modality dropout. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public DigitsDataset build() {
            if (data == null) {
                throw new IllegalStateException("setRows(data, rows) is required");
            }
            return new DigitsDataset(this);
        }
    }
}
