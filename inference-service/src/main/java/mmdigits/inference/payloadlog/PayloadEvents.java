package mmdigits.inference.payloadlog;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.kafka.KafkaMessageFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.UUID;
import mmdigits.common.Topics;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * An {@link Exchange} as a CloudEvent in Kafka's binary mode (docs/payload-log.md): the attributes
 * in {@code ce_*} headers, {@code content-type: application/json}, the key the request id, the
 * value a JSON object holding the request and the answer — JSON bodies verbatim, gRPC messages in
 * their protobuf JSON form, other bodies in base64. Runs on the sender's thread, never on a
 * request's.
 */
final class PayloadEvents {
    static final String TYPE = "mmdigits.inference.exchange";
    static final String JSON = "application/json";
    static final String PROTOBUF = "application/grpc";

    /** Extension attributes (CloudEvents names: lower-case letters and digits only). */
    static final String REQUEST_ID = "requestid";

    static final String PROTOCOL = "protocol";
    static final String MODEL_NAME = "modelname";
    static final String MODEL_VERSION = "modelversion";

    /** The distributed tracing extension's attribute, and the plain W3C header beside it. */
    static final String TRACEPARENT = "traceparent";

    private static final JsonFactory JSON_FACTORY = new JsonFactory();
    private static final JsonFormat.Printer PROTO_JSON =
            JsonFormat.printer().omittingInsignificantWhitespace();

    private final URI source;
    private final ObjectMapper mapper;
    private final long maxBodyBytes;

    /**
     * @param instanceId the replica's instance id: the events' {@code source}
     * @param mapper writes an answer's entity as the service's JSON writer does
     */
    PayloadEvents(String instanceId, ObjectMapper mapper, long maxBodyBytes) {
        this.source = URI.create("/mmdigits/inference/" + instanceId);
        this.mapper = mapper;
        this.maxBodyBytes = maxBodyBytes;
    }

    ProducerRecord<String, byte[]> record(Exchange e) {
        CloudEventBuilder b =
                CloudEventBuilder.v1()
                        .withId(UUID.randomUUID().toString())
                        .withType(TYPE)
                        .withSource(source)
                        .withTime(e.time().atOffset(ZoneOffset.UTC))
                        .withDataContentType(JSON)
                        .withExtension(REQUEST_ID, e.requestId())
                        .withExtension(PROTOCOL, e.protocol())
                        .withExtension(MODEL_NAME, e.model())
                        .withData(data(e));
        if (e.modelVersion() != null) {
            b.withExtension(MODEL_VERSION, e.modelVersion());
        }
        if (e.traceparent() != null) {
            b.withExtension(TRACEPARENT, e.traceparent());
        }
        ProducerRecord<String, byte[]> r =
                KafkaMessageFactory.createWriter(Topics.PAYLOADS, e.requestId())
                        .writeBinary(b.build());
        if (e.traceparent() != null) {
            // what the project's consumers read a trace context from (TraceHeaders)
            r.headers().add(TRACEPARENT, e.traceparent().getBytes(StandardCharsets.UTF_8));
        }
        return r;
    }

    /** The event's data: the exchange's facts, then the request and the answer. */
    byte[] data(Exchange e) {
        ByteArrayOutputStream out =
                new ByteArrayOutputStream(256 + (int) Math.min(e.heldBytes(), 1 << 24));
        try (JsonGenerator g = JSON_FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("request_id", e.requestId());
            g.writeStringField("protocol", e.protocol());
            g.writeStringField("endpoint", e.endpoint());
            g.writeStringField("model", e.model());
            if (e.modelVersion() != null) {
                g.writeStringField("model_version", e.modelVersion());
            }
            g.writeStringField("status", e.status());
            g.writeNumberField("latency_ms", Math.round(e.latencyNanos() / 1e3) / 1e3);
            body(g, "request", e.request());
            body(g, "response", e.response());
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    private void body(JsonGenerator g, String field, Body body) throws IOException {
        Body b = written(body);
        g.writeObjectFieldStart(field);
        if (b.contentType() != null) {
            g.writeStringField("content_type", b.contentType());
        }
        // a multipart request without Content-Length: unknown
        if (b.size() >= 0) {
            g.writeNumberField("size", b.size());
        }
        if (b.omitted() != null) {
            g.writeStringField("omitted", b.omitted());
        } else if (b.message() != null) {
            g.writeStringField("message", b.message().getDescriptorForType().getFullName());
            g.writeFieldName("body");
            g.writeRawValue(protoJson(b));
        } else if (isJson(b.contentType()) && isOneJsonValue(b.bytes())) {
            g.writeFieldName("body");
            g.writeRawValue(new String(b.bytes(), StandardCharsets.UTF_8));
        } else {
            g.writeBinaryField("body_base64", b.bytes());
        }
        g.writeEndObject();
    }

    /** An answer's entity as the JSON the service sent for it (the same mapper). */
    private Body written(Body b) throws JsonProcessingException {
        if (b.entity() == null) {
            return b;
        }
        byte[] json = mapper.writeValueAsBytes(b.entity());
        return Body.of(b.contentType(), json.length, json.length > maxBodyBytes ? null : json);
    }

    private static String protoJson(Body b) {
        try {
            return PROTO_JSON.print(b.message());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a message without its JSON form: " + e.getMessage());
        }
    }

    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String t = contentType.toLowerCase(Locale.ROOT);
        return t.startsWith(JSON) || t.contains("+json");
    }

    /** Whether the bytes are exactly one JSON value (what a caller sent may be anything). */
    static boolean isOneJsonValue(byte[] bytes) {
        try (JsonParser p = JSON_FACTORY.createParser(bytes)) {
            if (p.nextToken() == null) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (JsonProcessingException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
