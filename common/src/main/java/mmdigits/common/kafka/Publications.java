package mmdigits.common.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import mmdigits.common.proto.Split;
import mmdigits.common.sample.SampleIds;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Publication ids: every record of a published split carries the header {@value #HEADER} with the
 * id of its publication (the {@code DatasetPublished} event names the same id). A reader of one
 * split reads the event's offset ranges and keeps the records with that header; a record without
 * the header was streamed on its own ({@code POST /samples}, kcat).
 */
public final class Publications {
    public static final String HEADER = "mmdigits-publication";
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private Publications() {}

    /** A new id, e.g. {@code demo/test/20261130-141500-3f2a9c}. */
    public static String newId(String dataset, Split split) {
        return dataset
                + "/"
                + SampleIds.splitName(split)
                + "/"
                + STAMP.format(Instant.now())
                + "-"
                + UUID.randomUUID().toString().substring(0, 6);
    }

    public static byte[] header(String publicationId) {
        return publicationId.getBytes(StandardCharsets.UTF_8);
    }

    /** The publication id of a record, or null for a sample streamed on its own. */
    public static String of(Headers headers) {
        Header h = headers == null ? null : headers.lastHeader(HEADER);
        return h == null || h.value() == null
                ? null
                : new String(h.value(), StandardCharsets.UTF_8);
    }
}
