package mmdigits.inference.payloadlog;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A copy of the bytes that pass through a stream, up to a limit: past it only their count is kept.
 * The body is copied as the resource reads it, never read twice.
 */
final class BoundedCopy {
    private final long max;
    private ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private long size;

    BoundedCopy(long max) {
        this.max = max;
    }

    InputStream tee(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    add(new byte[] {(byte) b}, 0, 1);
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    add(b, off, n);
                }
                return n;
            }
        };
    }

    private void add(byte[] b, int off, int len) {
        size += len;
        if (bytes != null && size > max) {
            bytes = null; // too large: only the size is logged
        } else if (bytes != null) {
            bytes.write(b, off, len);
        }
    }

    Body body(String contentType) {
        return Body.of(contentType, size, bytes == null ? null : bytes.toByteArray());
    }
}
