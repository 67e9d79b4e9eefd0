package mmdigits.common.rest;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The one JSON error format of every service: RFC 9457 problem details ({@code
 * application/problem+json}). {@code detail} names the field or file at fault and the problem;
 * {@code field} repeats the field or file name on its own for clients.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String field) {
    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_BASE = "https://mmdigits.example/problems/";

    public static Problem of(int status, String slug, String title, String detail, String field) {
        return new Problem(TYPE_BASE + slug, title, status, detail, field);
    }

    public static Problem badRequest(String detail, String field) {
        return of(400, "bad-request", "Bad request", detail, field);
    }
}
