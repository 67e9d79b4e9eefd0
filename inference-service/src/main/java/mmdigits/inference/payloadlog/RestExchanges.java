package mmdigits.inference.payloadlog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.logging.Log;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mmdigits.inference.config.InferenceConfig;
import mmdigits.inference.kserve.InferRequestParser;
import mmdigits.inference.kserve.KServe;
import mmdigits.inference.rest.PredictionResponse;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * The REST edge of the payload log: marks the inference routes' requests ({@code POST
 * /api/predictions}, JSON or multipart, and {@code POST /v2/models/{name}[/versions/{v}]/infer})
 * when they arrive, and on their answer takes the version that answered from the answer itself and
 * returns the request id in {@code X-Request-Id}, and hands the exchange to the {@link PayloadLog}
 * (the answer's entity as it is: the sender writes it). The request's body is copied by {@link
 * RestBodies}. Not a writer interceptor: a global one makes Quarkus REST fail the answers of
 * requests that matched no resource method (415, 405) with a 500.
 */
public class RestExchanges {
    public static final String REQUEST_ID = "X-Request-Id";
    static final String TRACEPARENT = "traceparent";

    private static final Pattern KSERVE_INFER =
            Pattern.compile("/v2/models/([^/]+)(?:/versions/[^/]+)?/infer");
    static final Pattern W3C_TRACEPARENT =
            Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    static final Pattern GIVEN_ID = Pattern.compile("[\\x21-\\x7e]{1,128}");

    private final PayloadLog log;
    private final String alias;
    private final ObjectMapper mapper;

    public RestExchanges(PayloadLog log, InferenceConfig config, ObjectMapper mapper) {
        this.log = log;
        this.alias = config.alias();
        this.mapper = mapper;
    }

    @ServerRequestFilter
    public void arrived(ContainerRequestContext request) {
        if (!log.enabled() || !"POST".equals(request.getMethod())) {
            return;
        }
        try {
            mark(request);
        } catch (RuntimeException e) {
            Log.warnf(e, "payload log: a request not captured");
        }
    }

    private void mark(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        RestCapture c;
        if (path.equals("/api/predictions")) {
            String model = request.getUriInfo().getQueryParameters().getFirst("model");
            c = capture("rest", path, model == null ? alias : model, request);
        } else {
            Matcher m = KSERVE_INFER.matcher(path);
            if (!m.matches()) {
                return;
            }
            c = capture("kserve", path, m.group(1), request);
        }
        MediaType type = request.getMediaType();
        if (type != null && type.isCompatible(MediaType.MULTIPART_FORM_DATA_TYPE)) {
            c.requestOmitted(type.toString(), request.getLength(), Body.MULTIPART);
        }
        request.setProperty(RestCapture.PROPERTY, c);
    }

    private static RestCapture capture(
            String protocol, String path, String model, ContainerRequestContext request) {
        return new RestCapture(
                protocol,
                "POST " + path,
                model,
                given(request.getHeaderString(REQUEST_ID), GIVEN_ID),
                given(request.getHeaderString(TRACEPARENT), W3C_TRACEPARENT));
    }

    /** A header's value when it has the expected form, else null (never a failed request). */
    static String given(String value, Pattern form) {
        return value != null && form.matcher(value.trim()).matches() ? value.trim() : null;
    }

    @ServerResponseFilter
    public void answered(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(RestCapture.PROPERTY) instanceof RestCapture c) {
            try {
                answered(c, response);
            } catch (RuntimeException e) {
                request.removeProperty(RestCapture.PROPERTY);
                Log.warnf(e, "payload log: an answer not captured");
            }
        }
    }

    private void answered(RestCapture c, ContainerResponseContext response) {
        Object entity = response.getEntity();
        String id =
                c.answered(
                        response.getStatus(),
                        modelVersion(entity, response),
                        entity instanceof KServe.InferResponse k ? k.id() : null);
        response.getHeaders().putSingle(REQUEST_ID, id);
        log.offer(c.exchange(body(entity, response.getMediaType())));
    }

    /**
     * The answer as the resource returned it: bytes as they are, an object for the sender to write
     * with the service's own mapper (the JSON the caller gets).
     */
    private Body body(Object entity, MediaType mediaType) {
        String type = mediaType == null ? null : mediaType.toString();
        if (entity == null) {
            return Body.omitted(type, 0, "empty");
        }
        byte[] bytes =
                entity instanceof byte[] b
                        ? b
                        : entity instanceof String text
                                ? text.getBytes(StandardCharsets.UTF_8)
                                : null;
        if (bytes != null) {
            return Body.of(type, bytes.length, bytes.length > log.maxBodyBytes() ? null : bytes);
        }
        int items =
                entity instanceof PredictionResponse.Batch batch ? batch.predictions().size() : 1;
        return Body.entity(type == null ? MediaType.APPLICATION_JSON : type, entity, items);
    }

    /** The version named in the answer (null for an error). */
    private String modelVersion(Object entity, ContainerResponseContext response) {
        if (entity instanceof PredictionResponse r) {
            return r.modelVersion();
        }
        if (entity instanceof PredictionResponse.Batch b) {
            return b.modelVersion();
        }
        if (entity instanceof KServe.InferResponse k) {
            return k.model_version();
        }
        if (entity instanceof byte[] binary) {
            return binaryHeaderVersion(
                    binary, response.getHeaderString(InferRequestParser.HEADER_LENGTH));
        }
        return null;
    }

    /** KServe's binary answer: the version is in its JSON header. */
    private String binaryHeaderVersion(byte[] body, String headerLength) {
        try {
            int n = Integer.parseInt(String.valueOf(headerLength).trim());
            JsonNode header = mapper.readTree(Arrays.copyOf(body, Math.min(n, body.length)));
            JsonNode v = header.get("model_version");
            return v == null ? null : v.asText();
        } catch (NumberFormatException | IOException e) {
            return null;
        }
    }
}
