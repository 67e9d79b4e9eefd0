package mmdigits.common.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Body limits sized to the route. {@code mmdigits.http.body-limits."<path prefix>"} sets the limit
 * of the routes below a prefix (the longest prefix wins), {@code mmdigits.http.max-json-body-size}
 * that of every other JSON body, and {@code quarkus.http.limits.max-body-size} everything else
 * (Quarkus' own check, which runs after this one and answers with an empty body). A body announced
 * larger than its limit is answered with 413 in the shared problem format before it is read (a
 * client sending {@code Expect: 100-continue} gets the answer before it sends the body); a body
 * without a {@code Content-Length} on a route with a smaller limit than the server's gets 411, so
 * that no route ever reads more than it is sized for.
 */
@ApplicationScoped
public class BodyLimit {
    static final String ROUTE_PREFIX = "mmdigits.http.body-limits.";

    private final Optional<MemorySize> global;
    private final Optional<MemorySize> json;
    private final Map<String, Long> routes = new LinkedHashMap<>();
    private final ObjectMapper mapper;

    public BodyLimit(
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> global,
            @ConfigProperty(name = "mmdigits.http.max-json-body-size") Optional<MemorySize> json,
            Config config,
            ObjectMapper mapper) {
        this.global = global;
        this.json = json;
        this.mapper = mapper;
        for (String name : config.getPropertyNames()) {
            if (name.startsWith(ROUTE_PREFIX)) {
                String path = name.substring(ROUTE_PREFIX.length()).replace("\"", "");
                routes.put(path, config.getValue(name, MemorySize.class).asLongValue());
            }
        }
    }

    /** The limit of a request, and the setting that sets it. */
    record Limit(long bytes, String setting) {}

    Limit limitOf(String path, String contentType) {
        Optional<Map.Entry<String, Long>> route =
                routes.entrySet().stream()
                        .filter(e -> path.startsWith(e.getKey()))
                        .max(Comparator.comparingInt(e -> e.getKey().length()));
        if (route.isPresent()) {
            return new Limit(
                    route.get().getValue(), ROUTE_PREFIX + "\"" + route.get().getKey() + "\"");
        }
        if (json.isPresent()
                && contentType != null
                && contentType.toLowerCase().startsWith("application/json")) {
            return new Limit(json.get().asLongValue(), "mmdigits.http.max-json-body-size");
        }
        return global.map(g -> new Limit(g.asLongValue(), "quarkus.http.limits.max-body-size"))
                .orElse(null);
    }

    void install(@Observes Router router) {
        router.route().order(-3).handler(this::check);
    }

    private void check(RoutingContext ctx) {
        Limit limit = limitOf(ctx.normalizedPath(), ctx.request().getHeader("Content-Type"));
        String length = ctx.request().getHeader("Content-Length");
        if (limit == null || !hasBody(ctx)) {
            ctx.next();
            return;
        }
        if (length == null) {
            boolean smaller = global.isEmpty() || limit.bytes() < global.get().asLongValue();
            if (smaller) {
                refuse(
                        ctx,
                        Problem.of(
                                411,
                                "length-required",
                                "Length Required",
                                "body: this route takes at most "
                                        + limit.bytes()
                                        + " bytes ("
                                        + limit.setting()
                                        + "); send a Content-Length",
                                "body"));
                return;
            }
            ctx.next();
            return;
        }
        long n;
        try {
            n = Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            refuse(
                    ctx,
                    Problem.badRequest(
                            "Content-Length: '" + length + "' is not a number", "Content-Length"));
            return;
        }
        if (n <= limit.bytes()) {
            ctx.next();
            return;
        }
        refuse(
                ctx,
                Problem.of(
                        413,
                        "body-too-large",
                        "Content Too Large",
                        "body: "
                                + n
                                + " bytes, larger than the limit of "
                                + limit.bytes()
                                + " bytes ("
                                + limit.setting()
                                + ")",
                        "body"));
    }

    /**
     * HTTP/1.1: a request has a body when it announces its length or a transfer coding. HTTP/2
     * frames a body without either header, so there a POST, PUT or PATCH counts as having one.
     */
    private static boolean hasBody(RoutingContext ctx) {
        if (ctx.request().getHeader("Content-Length") != null
                || ctx.request().getHeader("Transfer-Encoding") != null) {
            return true;
        }
        HttpMethod m = ctx.request().method();
        return ctx.request().version() == HttpVersion.HTTP_2
                && (m == HttpMethod.POST || m == HttpMethod.PUT || m == HttpMethod.PATCH);
    }

    private void refuse(RoutingContext ctx, Problem p) {
        String body;
        try {
            body = mapper.writeValueAsString(p);
        } catch (JsonProcessingException e) {
            body = "{\"status\":" + p.status() + "}";
        }
        // the client may send the body anyway: answer, then drop the connection
        ctx.response()
                .setStatusCode(p.status())
                .putHeader("Content-Type", Problem.MEDIA_TYPE)
                .putHeader("Connection", "close")
                .end(body)
                .onComplete(done -> ctx.request().connection().close());
    }
}
