package mmdigits.viz.drift;

import java.util.Random;
import mmdigits.common.proto.DriftReference;
import mmdigits.common.proto.Embedding;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import mmdigits.common.sample.Dimensions;
import mmdigits.common.sample.SampleIds;

/**
 * A stream of digit-like samples and a stand-in model for drift tests. A sample carries its label
 * in both modalities on noise (image: a bright bar whose row is the label, 0-255; MFCC: a label
 * pattern plus N(0, 4²) noise, offset −20), like the trainer's fixtures. The model is a fixed
 * random ReLU layer over the scaled inputs (embedding width {@link #DIM}). A shifted stream adds
 * N(0, {@code audioNoise}²) to every MFCC value: a noisier channel than the model was trained on.
 */
final class DriftStream {
    static final int DIM = 16;
    static final int IMAGE_FEATURES = 8;
    static final double MFCC_NOISE = 4;

    private final float[][] wImage = new float[DIM][Dimensions.IMAGE];
    private final float[][] wAudio = new float[DIM][Dimensions.AUDIO];

    DriftStream(long modelSeed) {
        Random r = new Random(modelSeed);
        for (int j = 0; j < DIM; j++) {
            for (int i = 0; i < Dimensions.IMAGE; i++) {
                wImage[j][i] = (float) (r.nextGaussian() * 0.1);
            }
            for (int i = 0; i < Dimensions.AUDIO; i++) {
                wAudio[j][i] = (float) (r.nextGaussian() * 0.1);
            }
        }
    }

    static Sample sample(String dataset, int row, long seed, double audioNoise) {
        Random r = new Random(seed * 7919 + row);
        int label = row % 10;
        Sample.Builder b =
                Sample.newBuilder()
                        .setId(SampleIds.of(dataset, Split.TEST, row))
                        .setDataset(dataset)
                        .setSplit(Split.TEST)
                        .setRowId(row);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                boolean bar = y >= 3 + label * 2 && y < 5 + label * 2 && x > 4 && x < 24;
                b.addImage(bar ? 200 + r.nextInt(56) : r.nextInt(60));
            }
        }
        for (int i = 0; i < Dimensions.AUDIO; i++) {
            double signal =
                    ((i * 31 + label * 17) % 10 == label ? 8 : 0)
                            + Math.sin(i * 0.1 * (label + 1)) * 3;
            double noise = r.nextGaussian() * MFCC_NOISE + r.nextGaussian() * audioNoise;
            b.addAudio((float) (signal + noise - 20));
        }
        return b.build();
    }

    float[] embed(Sample s) {
        float[] e = new float[DIM];
        for (int j = 0; j < DIM; j++) {
            double z = 0;
            if (j < IMAGE_FEATURES) {
                for (int i = 0; i < Dimensions.IMAGE; i++) {
                    z += s.getImage(i) / 255.0 * wImage[j][i];
                }
            } else {
                for (int i = 0; i < Dimensions.AUDIO; i++) {
                    z += (s.getAudio(i) + 20) / MFCC_NOISE * wAudio[j][i];
                }
            }
            e[j] = (float) Math.max(0, z);
        }
        return e;
    }

    Embedding embedding(Sample s, String version) {
        Embedding.Builder b =
                Embedding.newBuilder()
                        .setSampleId(s.getId())
                        .setDataset(s.getDataset())
                        .setRowId(s.getRowId())
                        .setModelVersion(version);
        for (float v : embed(s)) {
            b.addVector(v);
        }
        return b.build();
    }

    /**
     * What the trainer would release: per-feature population mean and std of {@code train} samples,
     * embeddings of {@code heldOut} other ones (written here, not by the trainer's code).
     */
    DriftReference reference(int train, int heldOut, long seed) {
        double[] sum = new double[Dimensions.IMAGE + Dimensions.AUDIO];
        double[] sq = new double[sum.length];
        for (int row = 0; row < train; row++) {
            Sample s = sample("train", row, seed, 0);
            for (int f = 0; f < sum.length; f++) {
                double v = f < Dimensions.IMAGE ? s.getImage(f) : s.getAudio(f - Dimensions.IMAGE);
                sum[f] += v;
                sq[f] += v * v;
            }
        }
        DriftReference.Builder b = DriftReference.newBuilder().setInputSamples(train);
        for (int f = 0; f < sum.length; f++) {
            double mean = sum[f] / train;
            float std = (float) Math.sqrt(Math.max(0, sq[f] / train - mean * mean));
            if (f < Dimensions.IMAGE) {
                b.addImageMean((float) mean).addImageStd(std);
            } else {
                b.addAudioMean((float) mean).addAudioStd(std);
            }
        }
        for (int row = 0; row < heldOut; row++) {
            for (float v : embed(sample("held-out", row, seed + 1, 0))) {
                b.addEmbeddings(v);
            }
        }
        return b.setEmbeddingSamples(heldOut)
                .setEmbeddingDim(DIM)
                .setImageFeatures(IMAGE_FEATURES)
                .setSeed(seed)
                .build();
    }
}
