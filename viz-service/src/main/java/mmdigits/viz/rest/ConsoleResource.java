package mmdigits.viz.rest;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import mmdigits.viz.config.VizConfig;
import mmdigits.viz.console.ConsoleService;
import mmdigits.viz.console.ConsoleView;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The pipeline console: one page that asks {@code /console/state} every few seconds (open to read,
 * like the other services' GETs) and, for a user who pasted a token, offers the actions the token's
 * roles allow ({@code /console/session} says which; {@link ConsoleActions} forwards them).
 */
@Path("/console")
@Tag(
        name = "console",
        description =
                "The pipeline console: datasets, runs, models and aliases, scoring jobs, reports")
public class ConsoleResource {
    /** The page's settings: the alias shown first and the refresh interval. */
    public record Page(String alias, long refreshMs) {}

    /** Who the token names and the roles it carries. */
    public record Session(String name, List<String> roles) {}

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance page(Page page);
    }

    private final ConsoleService console;
    private final VizConfig config;
    private final SecurityIdentity identity;
    private final byte[] script;

    public ConsoleResource(ConsoleService console, VizConfig config, SecurityIdentity identity) {
        this.console = console;
        this.config = config;
        this.identity = identity;
        this.script = resource("/console/console.js");
    }

    private static byte[] resource(String name) {
        try (InputStream in = ConsoleResource.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "The console page (refreshes itself)")
    public String page() {
        return Templates.page(new Page(config.alias(), config.console().refresh().toMillis()))
                .render();
    }

    @GET
    @Path("/console.js")
    @Produces("text/javascript; charset=utf-8")
    public byte[] script() {
        return script;
    }

    @GET
    @Path("/state")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary =
                    "The pipeline's state: datasets and publications, training runs, model versions, aliases and "
                            + "their moves, scoring jobs, reports, the actions this viz forwards")
    public ConsoleView state() {
        return console.state();
    }

    @GET
    @Path("/session")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The token's subject and roles (401 without a valid token)")
    public Session session() {
        return new Session(
                identity.getPrincipal().getName(), identity.getRoles().stream().sorted().toList());
    }
}
