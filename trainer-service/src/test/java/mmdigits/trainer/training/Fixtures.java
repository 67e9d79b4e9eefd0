package mmdigits.trainer.training;

import java.util.Random;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;

/**
 * A small learnable set: each modality carries the label on its own. Image: a bright bar whose row
 * is given by the label, on noise (0-255 like MNIST). Audio: a label-specific pattern plus strong
 * noise.
 */
public final class Fixtures {
    private Fixtures() {}

    public static Sample sample(String dataset, int row, long seed) {
        Random r = new Random(seed * 7919 + row);
        int label = row % 10;
        Sample.Builder b =
                Sample.newBuilder()
                        .setId(dataset + "/train/" + row)
                        .setDataset(dataset)
                        .setSplit(Split.TRAIN)
                        .setRowId(row)
                        .setLabel(label);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                boolean bar = y >= 3 + label * 2 && y < 5 + label * 2 && x > 4 && x < 24;
                b.addImage(bar ? 200 + r.nextInt(56) : r.nextInt(60));
            }
        }
        for (int i = 0; i < 507; i++) {
            double signal =
                    ((i * 31 + label * 17) % 10 == label ? 8 : 0)
                            + Math.sin(i * 0.1 * (label + 1)) * 3;
            b.addAudio((float) (signal + r.nextGaussian() * 4 - 20));
        }
        return b.build();
    }

    public static TrainingSet set(int n, long seed) {
        TrainingSet s = new TrainingSet();
        for (int i = 0; i < n; i++) {
            s.add(sample("fixture", i, seed));
        }
        return s;
    }

    /** The sample's image as a float array (as fed to ONNX Runtime). */
    public static float[] image(Sample s) {
        float[] x = new float[s.getImageCount()];
        for (int i = 0; i < x.length; i++) {
            x[i] = s.getImage(i);
        }
        return x;
    }

    public static float[] audio(Sample s) {
        float[] x = new float[s.getAudioCount()];
        for (int i = 0; i < x.length; i++) {
            x[i] = s.getAudio(i);
        }
        return x;
    }
}
