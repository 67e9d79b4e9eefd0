package mmdigits.common.rest;

import io.quarkus.hibernate.validator.runtime.jaxrs.ResteasyReactiveViolationException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.Comparator;

/**
 * Bean Validation's violations of a request record ({@code @Valid} on a resource parameter) as the
 * shared problem format: the first violation, the field named ({@code epochs: must be greater than
 * or equal to 1, got 0}). Maps Quarkus REST's own violation exception, which its built-in mapper
 * would otherwise answer in another format.
 */
@Provider
public class ValidationProblems implements ExceptionMapper<ResteasyReactiveViolationException> {
    @Override
    public Response toResponse(ResteasyReactiveViolationException e) {
        ConstraintViolation<?> v =
                e.getConstraintViolations().stream()
                        .min(
                                Comparator.comparing(
                                        (ConstraintViolation<?> c) -> field(c.getPropertyPath())))
                        .orElse(null);
        if (v == null) {
            return ProblemMappers.response(Problem.badRequest(e.getMessage(), null));
        }
        String field = field(v.getPropertyPath());
        String detail =
                field
                        + ": "
                        + v.getMessage()
                        + (v.getInvalidValue() == null ? "" : ", got " + v.getInvalidValue());
        return ProblemMappers.response(
                Problem.of(400, "invalid-request", "Invalid request", detail, field));
    }

    /**
     * The request field of a violation: the path's last node (a record component), without the
     * method and parameter nodes.
     */
    static String field(Path path) {
        String name = null;
        for (Path.Node n : path) {
            if (n.getKind() == ElementKind.PROPERTY || n.getKind() == ElementKind.PARAMETER) {
                name = n.getName();
            }
        }
        return name == null ? path.toString() : name;
    }
}
