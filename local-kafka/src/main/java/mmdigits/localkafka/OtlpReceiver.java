package mmdigits.localkafka;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP trace receiver on 127.0.0.1 for the trace tests and the tracing bench: what a
 * collector is to a service configured with {@code QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT=}{@link
 * #endpoint()} and {@code QUARKUS_OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf}. It takes {@code POST
 * /v1/traces} (binary protobuf, gzip or not), answers 200 with an empty export response, and keeps
 * the spans decoded ({@link #spans()}) or, for a bench, only counts them.
 */
public final class OtlpReceiver implements AutoCloseable {
    /** A span as received: its service ({@code service.name}), ids in hex, name, attributes. */
    public record ReceivedSpan(
            String service,
            String traceId,
            String spanId,
            String parentSpanId,
            String name,
            Map<String, String> attributes,
            List<String> linkedTraceIds) {}

    private final HttpServer server;
    private final boolean keep;
    private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();

    private OtlpReceiver(HttpServer server, boolean keep) {
        this.server = server;
        this.keep = keep;
    }

    /**
     * Listens on a free port of 127.0.0.1; {@code keep} false counts the spans without keeping
     * them.
     */
    public static OtlpReceiver start(boolean keep) throws IOException {
        HttpServer server =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        OtlpReceiver r = new OtlpReceiver(server, keep);
        server.createContext("/v1/traces", r::handle);
        server.setExecutor(Executors.newFixedThreadPool(2, OtlpReceiver::daemon));
        server.start();
        return r;
    }

    private static Thread daemon(Runnable r) {
        Thread t = new Thread(r, "otlp-receiver");
        t.setDaemon(true);
        return t;
    }

    /** The base URI a service exports to ({@code /v1/traces} is appended by the exporter). */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The environment that makes a service export here. */
    public Map<String, String> serviceEnv() {
        return Map.of(
                "QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT",
                endpoint(),
                "QUARKUS_OTEL_EXPORTER_OTLP_PROTOCOL",
                "http/protobuf");
    }

    /** The spans received so far (empty when not keeping them). */
    public List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    /** How many spans arrived. */
    public long count() {
        return count.get();
    }

    /** How many export requests arrived. */
    public long requests() {
        return requests.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            ExportTraceServiceRequest request;
            try (InputStream in = body(exchange)) {
                request = ExportTraceServiceRequest.parseFrom(in);
            } catch (IOException | RuntimeException e) {
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            requests.incrementAndGet();
            receive(request);
            byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
            if (answer.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            }
        }
    }

    private static InputStream body(HttpExchange exchange) throws IOException {
        String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
        InputStream in = exchange.getRequestBody();
        return "gzip".equalsIgnoreCase(encoding) ? new GZIPInputStream(in) : in;
    }

    private void receive(ExportTraceServiceRequest request) {
        for (ResourceSpans rs : request.getResourceSpansList()) {
            String service = attributes(rs.getResource()).get("service.name");
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                count.addAndGet(ss.getSpansCount());
                if (keep) {
                    ss.getSpansList().forEach(s -> spans.add(received(service, s)));
                }
            }
        }
    }

    private static ReceivedSpan received(String service, Span s) {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (KeyValue kv : s.getAttributesList()) {
            attributes.put(kv.getKey(), text(kv.getValue()));
        }
        List<String> links = new ArrayList<>();
        s.getLinksList().forEach(l -> links.add(hex(l.getTraceId().toByteArray())));
        return new ReceivedSpan(
                service,
                hex(s.getTraceId().toByteArray()),
                hex(s.getSpanId().toByteArray()),
                hex(s.getParentSpanId().toByteArray()),
                s.getName(),
                attributes,
                links);
    }

    private static Map<String, String> attributes(Resource resource) {
        Map<String, String> out = new LinkedHashMap<>();
        resource.getAttributesList().forEach(kv -> out.put(kv.getKey(), text(kv.getValue())));
        return out;
    }

    private static String text(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> Long.toString(v.getIntValue());
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            default -> v.toString().trim();
        };
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
