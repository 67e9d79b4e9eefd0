package mmdigits.ingest;

import java.util.List;

/** What a dataset publish did: one entry per split, in publication order. */
public record IngestResult(String dataset, List<SplitResult> splits) {

    /**
     * {@code count} samples of {@code split} committed in {@code seconds} as publication {@code
     * publication}.
     */
    public record SplitResult(
            String split,
            String publication,
            long count,
            boolean labeled,
            long firstRowId,
            long lastRowId,
            double seconds,
            double samplesPerSecond,
            double megabytesPerSecond) {}
}
