package mmdigits.common.seed;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A numpy {@code .npy} array read through a memory map, row by row: the heap holds one row at a
 * time, whatever the file's size. Format versions 1.0, 2.0 and 3.0; little, big and no byte order;
 * dtypes b1, u1, i1, i2, i4, i8, f4, f8; C and Fortran order. The first axis is the row axis; the
 * others are flattened in C (row-major) order, as {@code x.reshape(len(x), -1)} does in numpy.
 */
public final class NpyArray implements AutoCloseable {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int CHUNK_BITS = 30;
    private static final long CHUNK = 1L << CHUNK_BITS;
    private static final Pattern DESCR =
            Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
    private static final Pattern FORTRAN =
            Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

    private final String name;
    private final FileChannel channel;
    private final NpyDType dtype;
    private final ByteOrder order;
    private final boolean fortranOrder;
    private final long[] shape;
    private final int version;
    private final long rows;
    private final int rowLength;
    private final long rowStride;
    private final long[] featureOffset;
    private final MappedByteBuffer[] chunks;
    private final ThreadLocal<byte[]> rowBytes = ThreadLocal.withInitial(() -> new byte[0]);

    private NpyArray(
            String name,
            FileChannel channel,
            int version,
            NpyDType dtype,
            ByteOrder order,
            boolean fortranOrder,
            long[] shape,
            long dataOffset)
            throws IOException {
        this.name = name;
        this.channel = channel;
        this.version = version;
        this.dtype = dtype;
        this.order = order;
        this.fortranOrder = fortranOrder;
        this.shape = shape;
        this.rows = shape[0];
        long features = 1;
        for (int i = 1; i < shape.length; i++) {
            features = Math.multiplyExact(features, shape[i]);
        }
        this.rowLength = Math.toIntExact(features);
        // element index of (row, feature) = row * rowStride + featureOffset[feature]
        this.featureOffset = new long[rowLength];
        if (fortranOrder) {
            this.rowStride = 1;
            long[] strides = new long[shape.length];
            strides[0] = 1;
            for (int k = 1; k < shape.length; k++) {
                strides[k] = strides[k - 1] * shape[k - 1];
            }
            for (int f = 0; f < rowLength; f++) {
                long rest = f;
                long offset = 0;
                for (int k = shape.length - 1; k >= 1; k--) {
                    offset += (rest % shape[k]) * strides[k];
                    rest /= shape[k];
                }
                featureOffset[f] = offset;
            }
        } else {
            this.rowStride = rowLength;
            for (int f = 0; f < rowLength; f++) {
                featureOffset[f] = f;
            }
        }
        long dataBytes = rows * (long) rowLength * dtype.size();
        int n = (int) ((dataBytes + CHUNK - 1) / CHUNK);
        this.chunks = new MappedByteBuffer[n];
        for (int i = 0; i < n; i++) {
            long start = i * CHUNK;
            long len = Math.min(CHUNK, dataBytes - start);
            chunks[i] = channel.map(FileChannel.MapMode.READ_ONLY, dataOffset + start, len);
            chunks[i].order(order);
        }
    }

    /**
     * Opens and checks the header and the file size.
     *
     * @throws SeedFileException missing file, bad magic, unsupported version or dtype, malformed
     *     header, wrong size
     */
    public static NpyArray open(Path file) throws SeedFileException {
        String name = file.getFileName().toString();
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new SeedFileException(name, "file not found (" + file + ")");
        } catch (IOException e) {
            throw new SeedFileException(name, "cannot be read: " + e.getMessage(), e);
        }
        try {
            return read(name, channel);
        } catch (SeedFileException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new SeedFileException(name, "cannot be read: " + e.getMessage(), e);
        }
    }

    private static NpyArray read(String name, FileChannel channel)
            throws IOException, SeedFileException {
        long size = channel.size();
        ByteBuffer preamble = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, preamble, 0);
        if (preamble.position() < 10) {
            throw new SeedFileException(
                    name, "not an NPY file: only " + size + " bytes, too short for the NPY header");
        }
        byte[] magic = Arrays.copyOf(preamble.array(), 6);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new SeedFileException(
                    name, "not an NPY file: it does not start with the magic string \\x93NUMPY");
        }
        int major = preamble.get(6) & 0xFF;
        int minor = preamble.get(7) & 0xFF;
        long headerLength;
        int headerStart;
        if (major == 1) {
            headerLength = preamble.getShort(8) & 0xFFFF;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (preamble.position() < 12) {
                throw new SeedFileException(name, "truncated NPY header");
            }
            headerLength = preamble.getInt(8) & 0xFFFFFFFFL;
            headerStart = 12;
        } else {
            throw new SeedFileException(
                    name,
                    "unsupported NPY format version "
                            + major
                            + "."
                            + minor
                            + " (1.0, 2.0 and 3.0 are supported)");
        }
        if (headerStart + headerLength > size) {
            throw new SeedFileException(
                    name,
                    "truncated: the header says "
                            + headerLength
                            + " bytes but the file has only "
                            + size);
        }
        if (headerLength > 1 << 20) {
            throw new SeedFileException(
                    name, "NPY header of " + headerLength + " bytes is implausibly large");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(channel, headerBytes, headerStart);
        String header =
                new String(
                        headerBytes.array(),
                        major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);

        Matcher descr = DESCR.matcher(header);
        if (!descr.find()) {
            throw new SeedFileException(name, "malformed NPY header, no 'descr': " + header.trim());
        }
        String d = descr.group(1);
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        String typeCode = d;
        if (!d.isEmpty() && "<>|=".indexOf(d.charAt(0)) >= 0) {
            order =
                    d.charAt(0) == '>'
                            ? ByteOrder.BIG_ENDIAN
                            : d.charAt(0) == '='
                                    ? ByteOrder.nativeOrder()
                                    : ByteOrder.LITTLE_ENDIAN;
            typeCode = d.substring(1);
        }
        NpyDType dtype = NpyDType.ofCode(typeCode);
        if (dtype == null) {
            throw new SeedFileException(
                    name,
                    "unsupported dtype '" + d + "' (supported: " + NpyDType.supported() + ")");
        }
        Matcher fortran = FORTRAN.matcher(header);
        if (!fortran.find()) {
            throw new SeedFileException(
                    name, "malformed NPY header, no 'fortran_order': " + header.trim());
        }
        Matcher shapeMatch = SHAPE.matcher(header);
        if (!shapeMatch.find()) {
            throw new SeedFileException(name, "malformed NPY header, no 'shape': " + header.trim());
        }
        List<Long> dims = new ArrayList<>();
        for (String part : shapeMatch.group(1).split(",")) {
            String p = part.trim();
            if (p.endsWith("L")) {
                p = p.substring(0, p.length() - 1);
            }
            if (p.isEmpty()) {
                continue;
            }
            try {
                long v = Long.parseLong(p);
                if (v < 0) {
                    throw new NumberFormatException();
                }
                dims.add(v);
            } catch (NumberFormatException e) {
                throw new SeedFileException(
                        name, "malformed shape (" + shapeMatch.group(1) + ") in the NPY header");
            }
        }
        if (dims.size() < 2) {
            throw new SeedFileException(
                    name,
                    "expected an array of rows (2 or more dimensions), got shape ("
                            + shapeMatch.group(1).trim()
                            + ")");
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long elements = 1;
        try {
            for (long dim : shape) {
                elements = Math.multiplyExact(elements, dim);
            }
            Math.toIntExact(elements / Math.max(1, shape[0]));
        } catch (ArithmeticException e) {
            throw new SeedFileException(name, "shape " + Arrays.toString(shape) + " is too large");
        }
        long dataOffset = headerStart + headerLength;
        long expected = elements * dtype.size();
        long actual = size - dataOffset;
        if (actual < expected) {
            throw new SeedFileException(
                    name,
                    "truncated: shape "
                            + shapeString(shape)
                            + " of "
                            + d
                            + " needs "
                            + expected
                            + " bytes of data, the file has "
                            + actual);
        }
        if (actual > expected) {
            throw new SeedFileException(
                    name,
                    "has "
                            + (actual - expected)
                            + " bytes after the data that shape "
                            + shapeString(shape)
                            + " of "
                            + d
                            + " describes");
        }
        return new NpyArray(
                name,
                channel,
                major,
                dtype,
                order,
                Boolean.parseBoolean(fortran.group(1).toLowerCase()),
                shape,
                dataOffset);
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position)
            throws IOException {
        long pos = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, pos);
            if (n < 0) {
                break;
            }
            pos += n;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do: we are already reporting the real problem
        }
    }

    static String shapeString(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    public String name() {
        return name;
    }

    public NpyDType dtype() {
        return dtype;
    }

    public ByteOrder byteOrder() {
        return order;
    }

    public boolean fortranOrder() {
        return fortranOrder;
    }

    public int version() {
        return version;
    }

    public long[] shape() {
        return shape.clone();
    }

    public String shapeString() {
        return shapeString(shape);
    }

    public long rows() {
        return rows;
    }

    /** Number of values in one row (the product of all dimensions but the first). */
    public int rowLength() {
        return rowLength;
    }

    /**
     * Reads row {@code row} into {@code dst} as float32. Integer types convert exactly up to 2^24;
     * float64 values outside the float32 range are an error (they would become infinite).
     */
    public void readRow(long row, float[] dst) throws SeedFileException {
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException("row " + row + " of " + rows);
        }
        if (dst.length < rowLength) {
            throw new IllegalArgumentException(
                    "destination has " + dst.length + " values, row has " + rowLength);
        }
        long base = row * rowStride;
        int size = dtype.size();
        if (!fortranOrder && readContiguous(base * size, dst)) {
            return;
        }
        for (int f = 0; f < rowLength; f++) {
            long byteOffset = (base + featureOffset[f]) * size;
            MappedByteBuffer chunk = chunks[(int) (byteOffset >>> CHUNK_BITS)];
            int pos = (int) (byteOffset & (CHUNK - 1));
            dst[f] =
                    switch (dtype) {
                        case BOOL -> chunk.get(pos) != 0 ? 1f : 0f;
                        case UINT8 -> chunk.get(pos) & 0xFF;
                        case INT8 -> chunk.get(pos);
                        case INT16 -> chunk.getShort(pos);
                        case INT32 -> chunk.getInt(pos);
                        case INT64 -> chunk.getLong(pos);
                        case FLOAT32 -> chunk.getFloat(pos);
                        case FLOAT64 -> {
                            double v = chunk.getDouble(pos);
                            float fv = (float) v;
                            if (Double.isFinite(v) && !Float.isFinite(fv)) {
                                throw new SeedFileException(
                                        name,
                                        "row "
                                                + row
                                                + ", column "
                                                + f
                                                + ": value "
                                                + v
                                                + " is outside the float32 range");
                            }
                            yield fv;
                        }
                    };
        }
    }

    /** Bulk read of a C-order row of float32 or uint8 that lies within one mapped chunk. */
    private boolean readContiguous(long byteOffset, float[] dst) {
        MappedByteBuffer chunk = chunks[(int) (byteOffset >>> CHUNK_BITS)];
        int pos = (int) (byteOffset & (CHUNK - 1));
        if (pos + (long) rowLength * dtype.size() > chunk.limit()) {
            return false;
        }
        if (dtype == NpyDType.FLOAT32) {
            chunk.slice(pos, rowLength * 4).order(order).asFloatBuffer().get(dst, 0, rowLength);
            return true;
        }
        if (dtype == NpyDType.UINT8) {
            byte[] bytes = rowBytes.get();
            if (bytes.length < rowLength) {
                bytes = new byte[rowLength];
                rowBytes.set(bytes);
            }
            chunk.get(pos, bytes, 0, rowLength);
            for (int f = 0; f < rowLength; f++) {
                dst[f] = bytes[f] & 0xFF;
            }
            return true;
        }
        return false;
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }
}
