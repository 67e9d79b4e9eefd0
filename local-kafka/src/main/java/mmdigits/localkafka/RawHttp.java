package mmdigits.localkafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP/1.1 written by hand on a socket to 127.0.0.1, for tests of what ordinary clients never send:
 * a {@code Content-Length} announced and never sent, a chunked body, a lying header. Uses only the
 * JDK.
 */
public final class RawHttp {
    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?i)content-length:\\s*(\\d+)");

    private RawHttp() {}

    /**
     * Sends {@code requestLine} (e.g. {@code "POST /samples"}) with the headers and, when not null,
     * the body as given (already chunk-encoded if the headers say so); returns the response's head
     * and body.
     */
    public static String send(
            int port, String requestLine, Map<String, String> headers, String body)
            throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(15_000);
            StringBuilder head =
                    new StringBuilder(requestLine).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            OutputStream out = socket.getOutputStream();
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            if (body != null) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
            return readResponse(socket.getInputStream());
        }
    }

    /** One HTTP/1.1 response: the head, then as many body bytes as its Content-Length says. */
    public static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
        }
        String h = head.toString(StandardCharsets.US_ASCII);
        Matcher m = CONTENT_LENGTH.matcher(h);
        byte[] body = m.find() ? in.readNBytes(Integer.parseInt(m.group(1))) : new byte[0];
        return h + new String(body, StandardCharsets.UTF_8);
    }
}
