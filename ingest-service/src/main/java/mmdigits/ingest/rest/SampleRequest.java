package mmdigits.ingest.rest;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import mmdigits.common.sample.InvalidSampleException;
import mmdigits.common.sample.SampleIds;
import mmdigits.common.sample.SampleValidator;

/**
 * One streamed sample: {@code {"dataset":"stream","split":"test","row_id":7,"label":3,"image":[784
 * numbers], "audio":[507 numbers]}}. The id is {@code <dataset>/<split>/<row_id>}.
 */
public record SampleRequest(
        String dataset,
        String split,
        @JsonProperty("row_id") @JsonAlias("rowId") Long rowId,
        Integer label,
        float[] image,
        float[] audio) {

    public static final String DEFAULT_DATASET = "stream";

    /** Builds and validates the sample; errors name the field, prefixed with {@code prefix}. */
    public Sample toSample(String prefix) {
        String ds = dataset == null || dataset.isBlank() ? DEFAULT_DATASET : dataset;
        Split s;
        try {
            s = SampleIds.parseSplit(split);
        } catch (IllegalArgumentException e) {
            throw new InvalidSampleException(
                    prefix + "split", e.getMessage().replaceFirst("^split ", ""));
        }
        if (rowId == null) {
            throw new InvalidSampleException(
                    prefix + "row_id", "is required (a number >= 0 that identifies the sample)");
        }
        Sample.Builder b =
                Sample.newBuilder()
                        .setDataset(ds)
                        .setSplit(s)
                        .setRowId(rowId)
                        .setId(SampleIds.of(ds, s, rowId));
        if (label != null) {
            b.setLabel(label);
        }
        if (image != null) {
            for (float v : image) {
                b.addImage(v);
            }
        }
        if (audio != null) {
            for (float v : audio) {
                b.addAudio(v);
            }
        }
        Sample sample = b.build();
        try {
            return SampleValidator.validate(sample);
        } catch (InvalidSampleException e) {
            String msg = e.getMessage().substring(e.field().length() + 2);
            throw new InvalidSampleException(prefix + e.field(), msg);
        }
    }
}
