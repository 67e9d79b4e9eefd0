package mmdigits.common.seed;

/**
 * Labels of one split, in the order of the rows of its NPY files: {@code rowIds[i]} and {@code
 * labels[i]} belong to row i.
 */
public record Labels(long[] rowIds, int[] labels) {
    public int size() {
        return labels.length;
    }
}
