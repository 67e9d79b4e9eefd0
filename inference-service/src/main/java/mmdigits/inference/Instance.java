package mmdigits.inference;

import java.util.ArrayList;
import java.util.List;
import mmdigits.common.proto.Sample;
import mmdigits.common.sample.Dimensions;

/**
 * One sample to score: raw image (784 values) and/or raw audio (507 values), as in the seed files;
 * a missing modality is null and is fed to the model as its blank (image zeros, audio the train
 * mean).
 */
public record Instance(float[] image, float[] audio) {

    /** A sample's raw values; a modality the sample lacks is missing. */
    public static Instance of(Sample s) {
        return new Instance(
                s.getImageCount() == 0 ? null : floats(s.getImageList()),
                s.getAudioCount() == 0 ? null : floats(s.getAudioList()));
    }

    private static float[] floats(List<Float> values) {
        float[] a = new float[values.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = values.get(i);
        }
        return a;
    }

    public boolean hasImage() {
        return image != null;
    }

    public boolean hasAudio() {
        return audio != null;
    }

    /** "image", "audio" — the modalities this instance carries. */
    public List<String> modalities() {
        List<String> m = new ArrayList<>(2);
        if (hasImage()) {
            m.add("image");
        }
        if (hasAudio()) {
            m.add("audio");
        }
        return m;
    }

    /**
     * Checks lengths and values; {@code field} names the instance in messages (e.g.
     * "instances[3]").
     *
     * @throws InvalidInputException naming the field and the problem
     */
    public Instance validate(String field) {
        if (image == null && audio == null) {
            throw new InvalidInputException(
                    field, field + ": needs 'image' (784 numbers) and/or 'audio' (507 numbers)");
        }
        check(image, Dimensions.IMAGE, prefix(field) + "image");
        check(audio, Dimensions.AUDIO, prefix(field) + "audio");
        return this;
    }

    private static String prefix(String field) {
        return field == null || field.isEmpty() ? "" : field + ".";
    }

    private static void check(float[] values, int expected, String field) {
        if (values == null) {
            return;
        }
        if (values.length != expected) {
            throw new InvalidInputException(
                    field, field + ": expected " + expected + " numbers, got " + values.length);
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new InvalidInputException(
                        field + "[" + i + "]",
                        field + "[" + i + "]: " + values[i] + " is not a finite number");
            }
        }
    }
}
