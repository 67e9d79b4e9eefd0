package mmdigits.ingest.rest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import mmdigits.common.proto.Sample;
import mmdigits.common.rest.Problem;
import mmdigits.common.rest.ProblemException;
import mmdigits.common.sample.Dimensions;
import mmdigits.common.sample.InvalidSampleException;

/**
 * Reads the body of {@code POST /samples} — a sample object, an array of them, or {@code
 * {"samples": [...]}} — with Jackson's streaming parser, straight into {@code float[]}: nothing but
 * the samples themselves is ever held, and every count is checked as it is read (at most {@code
 * maxSamples} samples, 784 image and 507 audio values each), so an oversized body is refused after
 * reading one value too many, not after building a tree of it. Every sample is validated before any
 * is returned (all or nothing). Errors name the field: an {@link InvalidSampleException} for a
 * sample's field, a {@link ProblemException} for the body's shape.
 */
final class SampleBodyParser {
    /**
     * Strings longer than this (a dataset name is at most 100 characters) are refused while they
     * are read.
     */
    private static final int MAX_STRING = 4096;

    private static final JsonFactory JSON =
            JsonFactory.builder()
                    .streamReadConstraints(
                            StreamReadConstraints.builder()
                                    .maxStringLength(MAX_STRING)
                                    .maxNestingDepth(8)
                                    .build())
                    .build();

    private final int maxSamples;
    private final List<Sample> samples = new ArrayList<>();

    private SampleBodyParser(int maxSamples) {
        this.maxSamples = maxSamples;
    }

    /**
     * @throws ProblemException 400 naming the field at fault (or 413 from the stream when the body
     *     is too large)
     */
    static List<Sample> parse(InputStream body, int maxSamples) {
        try (JsonParser p = JSON.createParser(body)) {
            SampleBodyParser reader = new SampleBodyParser(maxSamples);
            reader.readBody(p);
            if (p.nextToken() != null) {
                throw ProblemException.badRequest(
                        "body: unexpected content after the JSON value", "body");
            }
            if (reader.samples.isEmpty()) {
                throw ProblemException.badRequest("samples: the batch is empty", "samples");
            }
            return reader.samples;
        } catch (JsonProcessingException e) {
            throw new ProblemException(
                    Problem.of(
                            400,
                            "malformed-json",
                            "Malformed JSON",
                            "body: malformed JSON: " + e.getOriginalMessage(),
                            "body"));
        } catch (IOException e) {
            throw ProblemException.badRequest("body: unreadable: " + e.getMessage(), "body");
        }
    }

    private void readBody(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == JsonToken.START_ARRAY) {
            readArray(p, "");
        } else if (t == JsonToken.START_OBJECT) {
            readTopObject(p);
        } else {
            throw ProblemException.badRequest(
                    "body: expected a sample, an array of samples or {\"samples\": [...]}", "body");
        }
    }

    /** An object at the top: the {@code {"samples": [...]}} wrapper, or one sample. */
    private void readTopObject(JsonParser p) throws IOException {
        Fields fields = new Fields();
        boolean wrapper = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (name.equals("samples")) {
                if (value != JsonToken.START_ARRAY) {
                    throw ProblemException.badRequest("samples: must be an array", "samples");
                }
                wrapper = true;
                readArray(p, "samples");
            } else {
                fields.read(p, name, "");
            }
        }
        if (!wrapper) {
            add(fields.toSample(""));
        }
    }

    /** The elements of an array of samples; the parser is on its START_ARRAY. */
    private void readArray(JsonParser p, String prefix) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            String at = prefix + "[" + samples.size() + "].";
            if (t != JsonToken.START_OBJECT) {
                throw ProblemException.badRequest(
                        at.substring(0, at.length() - 1)
                                + ": expected a sample object, got "
                                + t.asString(),
                        at.substring(0, at.length() - 1));
            }
            Fields fields = new Fields();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                fields.read(p, name, at);
            }
            add(fields.toSample(at));
        }
    }

    private void add(Sample sample) {
        if (samples.size() == maxSamples) {
            throw ProblemException.badRequest(
                    "samples: more than "
                            + maxSamples
                            + " samples in one request (ingest.max-samples-per-request)",
                    "samples");
        }
        samples.add(sample);
    }

    /** The fields of one sample as they are read; the parser is on each field's value. */
    private static final class Fields {
        private String dataset;
        private String split;
        private Long rowId;
        private Integer label;
        private float[] image;
        private float[] audio;

        void read(JsonParser p, String name, String prefix) throws IOException {
            switch (name) {
                case "dataset" -> dataset = text(p, prefix + name);
                case "split" -> split = text(p, prefix + name);
                case "row_id", "rowId" -> rowId = integer(p, prefix + "row_id");
                case "label" ->
                        label =
                                p.currentToken() == JsonToken.VALUE_NULL
                                        ? null
                                        : Math.toIntExact(
                                                Math.max(
                                                        Integer.MIN_VALUE,
                                                        Math.min(
                                                                Integer.MAX_VALUE,
                                                                integer(p, prefix + name))));
                case "image" -> image = values(p, prefix + name, Dimensions.IMAGE);
                case "audio" -> audio = values(p, prefix + name, Dimensions.AUDIO);
                default -> p.skipChildren(); // unknown fields are ignored, as Jackson's binding did
            }
        }

        Sample toSample(String prefix) {
            return new SampleRequest(dataset, split, rowId, label, image, audio).toSample(prefix);
        }

        private static String text(JsonParser p, String field) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                return null;
            }
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                throw new InvalidSampleException(field, "must be a string");
            }
            return p.getText();
        }

        /**
         * A whole number; as a string too, the way protobuf's JSON writes 64-bit integers ({@code
         * "row_id": "5"}).
         */
        private static Long integer(JsonParser p, String field) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                return null;
            }
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                try {
                    return Long.parseLong(p.getText().trim());
                } catch (NumberFormatException e) {
                    throw new InvalidSampleException(
                            field, "must be a whole number, got \"" + p.getText() + "\"");
                }
            }
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT
                    || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw new InvalidSampleException(field, "must be a whole number");
            }
            return p.getLongValue();
        }

        /** At most {@code width} numbers; one more is refused at once. */
        private static float[] values(JsonParser p, String field, int width) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                return null;
            }
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw new InvalidSampleException(
                        field, "must be an array of " + width + " numbers");
            }
            float[] values = new float[width];
            int n = 0;
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (n == width) {
                    throw new InvalidSampleException(
                            field, "must have " + width + " values, got more");
                }
                values[n] = number(p, t, field + "[" + n + "]");
                n++;
            }
            return n == width ? values : Arrays.copyOf(values, n);
        }

        /**
         * A number; as a string too (protobuf's JSON form, e.g. "NaN", which the validator then
         * refuses).
         */
        private static float number(JsonParser p, JsonToken t, String field) throws IOException {
            if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                return p.getFloatValue();
            }
            if (t == JsonToken.VALUE_STRING) {
                try {
                    return Float.parseFloat(p.getText().trim());
                } catch (NumberFormatException e) {
                    // not a number: said below
                }
            }
            throw new InvalidSampleException(field, "must be a number, got " + describe(p, t));
        }

        private static String describe(JsonParser p, JsonToken t) throws IOException {
            return switch (t) {
                case VALUE_STRING -> "\"" + p.getText() + "\"";
                case START_ARRAY -> "an array";
                case START_OBJECT -> "an object";
                default -> t.asString();
            };
        }
    }
}
