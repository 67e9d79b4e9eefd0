package mmdigits.common.sample;

import java.util.List;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;

/** The rules every sample on a sample topic obeys, whoever produced it. */
public final class SampleValidator {
    private SampleValidator() {}

    /**
     * @throws InvalidSampleException naming the first field at fault
     */
    public static Sample validate(Sample sample) {
        if (sample.getId().isBlank()) {
            throw new InvalidSampleException("id", "is missing");
        }
        if (!SampleIds.isValidDataset(sample.getDataset())) {
            throw new InvalidSampleException(
                    "dataset",
                    "must be 1-100 characters of letters, digits, '.', '_' or '-', got '"
                            + sample.getDataset()
                            + "'");
        }
        if (sample.getSplit() != Split.TRAIN && sample.getSplit() != Split.TEST) {
            throw new InvalidSampleException(
                    "split", "must be TRAIN or TEST, got " + sample.getSplit());
        }
        if (sample.getRowId() < 0) {
            throw new InvalidSampleException("row_id", "must be >= 0, got " + sample.getRowId());
        }
        if (sample.hasLabel()
                && (sample.getLabel() < 0 || sample.getLabel() >= Dimensions.CLASSES)) {
            throw new InvalidSampleException("label", "must be 0-9, got " + sample.getLabel());
        }
        if (sample.getSplit() == Split.TRAIN && !sample.hasLabel()) {
            throw new InvalidSampleException("label", "is required for a training sample");
        }
        checkValues("image", sample.getImageCount(), Dimensions.IMAGE, sample.getImageList());
        checkValues("audio", sample.getAudioCount(), Dimensions.AUDIO, sample.getAudioList());
        return sample;
    }

    private static void checkValues(String field, int count, int expected, List<Float> values) {
        if (count != expected) {
            throw new InvalidSampleException(
                    field, "must have " + expected + " values, got " + count);
        }
        for (int i = 0; i < count; i++) {
            float v = values.get(i);
            if (!Float.isFinite(v)) {
                throw new InvalidSampleException(
                        field + "[" + i + "]", "is not a finite number (" + v + ")");
            }
        }
    }
}
