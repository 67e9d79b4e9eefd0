package mmdigits.common.rest;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.Router;

/**
 * Answers a request whose announced {@code Content-Length} exceeds
 * {@code quarkus.http.limits.max-body-size} with 413 in the shared problem format (Quarkus' own
 * check, which runs after this one, answers with an empty body). A client sending
 * {@code Expect: 100-continue} gets the answer before it sends the body.
 */
@ApplicationScoped
public class BodyLimit {
    private final Optional<MemorySize> limit;
    private final ObjectMapper mapper;

    public BodyLimit(@ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> limit, ObjectMapper mapper) {
        this.limit = limit;
        this.mapper = mapper;
    }

    void install(@Observes Router router) {
        if (limit.isEmpty()) {
            return;
        }
        long max = limit.get().asLongValue();
        router.route().order(-3).handler(ctx -> {
            String length = ctx.request().getHeader("Content-Length");
            long n;
            try {
                n = length == null ? -1 : Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n <= max) {
                ctx.next();
                return;
            }
            Problem p = Problem.of(413, "body-too-large", "Content Too Large", "body: " + n + " bytes, larger than the limit of " + max
                    + " bytes (quarkus.http.limits.max-body-size)", "body");
            String json;
            try {
                json = mapper.writeValueAsString(p);
            } catch (Exception e) {
                json = "{\"status\":413}";
            }
            // the client may send the body anyway: answer, then drop the connection
            ctx.response().setStatusCode(413).putHeader("Content-Type", Problem.MEDIA_TYPE).putHeader("Connection", "close").end(json)
                    .onComplete(done -> ctx.request().connection().close());
        });
    }
}
