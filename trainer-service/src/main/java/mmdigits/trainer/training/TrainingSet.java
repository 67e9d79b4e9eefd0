package mmdigits.trainer.training;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import mmdigits.common.proto.Sample;
import mmdigits.common.sample.Dimensions;

/**
 * Training samples in compact arrays, deduplicated by sample id (the latest record wins). Images
 * are kept as bytes while every value is an integer 0–255 (as in MNIST-style files: 47 MB for
 * 60,000), and switch to floats only when a value needs it. {@link #sortByRowId} puts the rows in
 * the seed files' order, whatever order the partitions of the topic delivered them in: the same
 * data and seed train the same model.
 */
public final class TrainingSet {
    private final Map<String, Integer> rowOf = new HashMap<>();
    private String[] ids = new String[1024];
    private byte[] imageBytes = new byte[1024 * Dimensions.IMAGE];
    private float[] imageFloats;
    private float[] audio = new float[1024 * Dimensions.AUDIO];
    private int[] labels = new int[1024];
    private long[] rowIds = new long[1024];
    private int size;

    public int size() {
        return size;
    }

    public void add(Sample s) {
        Integer existing = rowOf.get(s.getId());
        int row = existing != null ? existing : size;
        if (existing == null) {
            ensureCapacity(size + 1);
            rowOf.put(s.getId(), row);
            ids[row] = s.getId();
            size++;
        }
        labels[row] = s.getLabel();
        rowIds[row] = s.getRowId();
        for (int i = 0; i < Dimensions.IMAGE; i++) {
            float v = s.getImage(i);
            if (imageFloats == null && (v != Math.rint(v) || v < 0 || v > 255)) {
                switchToFloats();
            }
            if (imageFloats != null) {
                imageFloats[row * Dimensions.IMAGE + i] = v;
            } else {
                imageBytes[row * Dimensions.IMAGE + i] = (byte) (int) v;
            }
        }
        for (int i = 0; i < Dimensions.AUDIO; i++) {
            audio[row * Dimensions.AUDIO + i] = s.getAudio(i);
        }
    }

    private void switchToFloats() {
        imageFloats = new float[imageBytes.length];
        for (int i = 0; i < size * Dimensions.IMAGE; i++) {
            imageFloats[i] = imageBytes[i] & 0xFF;
        }
        imageBytes = null;
    }

    private void ensureCapacity(int n) {
        if (n <= labels.length) {
            return;
        }
        int cap = Math.max(n, labels.length * 2);
        ids = Arrays.copyOf(ids, cap);
        labels = Arrays.copyOf(labels, cap);
        rowIds = Arrays.copyOf(rowIds, cap);
        audio = Arrays.copyOf(audio, cap * Dimensions.AUDIO);
        if (imageFloats != null) {
            imageFloats = Arrays.copyOf(imageFloats, cap * Dimensions.IMAGE);
        } else {
            imageBytes = Arrays.copyOf(imageBytes, cap * Dimensions.IMAGE);
        }
    }

    /** Puts the rows in the order of their row ids (then sample ids): the seed files' order. */
    public void sortByRowId() {
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        Arrays.sort(
                order,
                Comparator.<Integer>comparingLong(r -> rowIds[r]).thenComparing(r -> ids[r]));
        String[] newIds = new String[ids.length];
        int[] newLabels = new int[labels.length];
        long[] newRowIds = new long[rowIds.length];
        float[] newAudio = new float[audio.length];
        byte[] newBytes = imageBytes == null ? null : new byte[imageBytes.length];
        float[] newFloats = imageFloats == null ? null : new float[imageFloats.length];
        rowOf.clear();
        for (int to = 0; to < size; to++) {
            int from = order[to];
            newIds[to] = ids[from];
            newLabels[to] = labels[from];
            newRowIds[to] = rowIds[from];
            rowOf.put(ids[from], to);
            System.arraycopy(
                    audio,
                    from * Dimensions.AUDIO,
                    newAudio,
                    to * Dimensions.AUDIO,
                    Dimensions.AUDIO);
            if (newBytes != null) {
                System.arraycopy(
                        imageBytes,
                        from * Dimensions.IMAGE,
                        newBytes,
                        to * Dimensions.IMAGE,
                        Dimensions.IMAGE);
            } else {
                System.arraycopy(
                        imageFloats,
                        from * Dimensions.IMAGE,
                        newFloats,
                        to * Dimensions.IMAGE,
                        Dimensions.IMAGE);
            }
        }
        ids = newIds;
        labels = newLabels;
        rowIds = newRowIds;
        audio = newAudio;
        imageBytes = newBytes;
        imageFloats = newFloats;
    }

    public String id(int row) {
        return ids[row];
    }

    public int label(int row) {
        return labels[row];
    }

    public float image(int row, int i) {
        int k = row * Dimensions.IMAGE + i;
        return imageFloats != null ? imageFloats[k] : imageBytes[k] & 0xFF;
    }

    public float audio(int row, int i) {
        return audio[row * Dimensions.AUDIO + i];
    }

    /** The image of one row, a new array. */
    public float[] image(int row) {
        float[] out = new float[Dimensions.IMAGE];
        copyImage(row, out, 0);
        return out;
    }

    private void copyImage(int row, float[] out, int offset) {
        for (int i = 0; i < Dimensions.IMAGE; i++) {
            out[offset + i] = image(row, i);
        }
    }

    /** The MFCC of one row, a new array. */
    public float[] audio(int row) {
        return Arrays.copyOfRange(audio, row * Dimensions.AUDIO, (row + 1) * Dimensions.AUDIO);
    }

    /** Images of the given rows, row-major floats. */
    public float[] images(int[] rows) {
        float[] out = new float[rows.length * Dimensions.IMAGE];
        for (int r = 0; r < rows.length; r++) {
            copyImage(rows[r], out, r * Dimensions.IMAGE);
        }
        return out;
    }

    public float[] audio(int[] rows) {
        float[] out = new float[rows.length * Dimensions.AUDIO];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(
                    audio, rows[r] * Dimensions.AUDIO, out, r * Dimensions.AUDIO, Dimensions.AUDIO);
        }
        return out;
    }

    public int[] labels(int[] rows) {
        int[] out = new int[rows.length];
        for (int r = 0; r < rows.length; r++) {
            out[r] = labels[rows[r]];
        }
        return out;
    }

    public boolean imagesAreBytes() {
        return imageFloats == null;
    }
}
