package mmdigits.common.seed;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a C-order, little-endian {@code .npy} file row by row (format 1.0, or 2.0 when the header
 * needs it), loadable by {@code numpy.load}. The row count is fixed up front and checked on close.
 */
public final class NpyWriter implements AutoCloseable {
    private final Path file;
    private final NpyDType dtype;
    private final long rows;
    private final int rowLength;
    private final OutputStream out;
    private final ByteBuffer rowBuffer;
    private long written;

    private NpyWriter(Path file, NpyDType dtype, long[] shape) throws IOException {
        if (shape.length < 1) {
            throw new IllegalArgumentException("shape needs at least one dimension");
        }
        this.file = file;
        this.dtype = dtype;
        this.rows = shape[0];
        long len = 1;
        for (int i = 1; i < shape.length; i++) {
            len *= shape[i];
        }
        this.rowLength = Math.toIntExact(len);
        this.rowBuffer =
                ByteBuffer.allocate(rowLength * dtype.size()).order(ByteOrder.LITTLE_ENDIAN);
        this.out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        out.write(header(dtype, shape));
    }

    public static NpyWriter create(Path file, NpyDType dtype, long... shape) throws IOException {
        return new NpyWriter(file, dtype, shape);
    }

    static byte[] header(NpyDType dtype, long[] shape) {
        String order = dtype.size() == 1 ? "|" : "<";
        String dict =
                "{'descr': '"
                        + order
                        + dtype.code()
                        + "', 'fortran_order': False, 'shape': "
                        + NpyArray.shapeString(shape)
                        + ", }";
        int preamble = 10;
        int major = 1;
        int total = preamble + dict.length() + 1;
        if (((total + 63) / 64) * 64 - preamble > 0xFFFF) {
            preamble = 12;
            major = 2;
            total = preamble + dict.length() + 1;
        }
        int padded = ((total + 63) / 64) * 64;
        int headerLength = padded - preamble;
        StringBuilder sb = new StringBuilder(dict);
        while (sb.length() < headerLength - 1) {
            sb.append(' ');
        }
        sb.append('\n');
        ByteBuffer b = ByteBuffer.allocate(padded).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93)
                .put("NUMPY".getBytes(StandardCharsets.US_ASCII))
                .put((byte) major)
                .put((byte) 0);
        if (major == 1) {
            b.putShort((short) headerLength);
        } else {
            b.putInt(headerLength);
        }
        b.put(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        return b.array();
    }

    /**
     * Writes one row; values are converted to the file's dtype (integer types round and must fit).
     */
    public void writeRow(float[] values) throws IOException {
        if (values.length != rowLength) {
            throw new IllegalArgumentException(
                    file.getFileName()
                            + ": row has "
                            + values.length
                            + " values, expected "
                            + rowLength);
        }
        if (written >= rows) {
            throw new IllegalStateException(
                    file.getFileName() + ": all " + rows + " rows are written already");
        }
        rowBuffer.clear();
        for (float v : values) {
            switch (dtype) {
                case BOOL -> rowBuffer.put((byte) (v != 0 ? 1 : 0));
                case UINT8 -> rowBuffer.put((byte) checkRange(v, 0, 255));
                case INT8 -> rowBuffer.put((byte) checkRange(v, Byte.MIN_VALUE, Byte.MAX_VALUE));
                case INT16 ->
                        rowBuffer.putShort((short) checkRange(v, Short.MIN_VALUE, Short.MAX_VALUE));
                case INT32 ->
                        rowBuffer.putInt((int) checkRange(v, Integer.MIN_VALUE, Integer.MAX_VALUE));
                case INT64 -> rowBuffer.putLong(Math.round((double) v));
                case FLOAT32 -> rowBuffer.putFloat(v);
                case FLOAT64 -> rowBuffer.putDouble(v);
            }
        }
        out.write(rowBuffer.array(), 0, rowBuffer.position());
        written++;
    }

    private long checkRange(float v, long min, long max) {
        long r = Math.round((double) v);
        if (r < min || r > max || !Float.isFinite(v)) {
            throw new IllegalArgumentException(
                    file.getFileName() + ": value " + v + " does not fit " + dtype.code());
        }
        return r;
    }

    @Override
    public void close() throws IOException {
        out.close();
        if (written != rows) {
            throw new IOException(
                    file.getFileName()
                            + ": "
                            + written
                            + " rows written, the header promises "
                            + rows);
        }
    }
}
