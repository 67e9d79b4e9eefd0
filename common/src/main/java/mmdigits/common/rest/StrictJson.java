package mmdigits.common.rest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * The services' ObjectMapper refuses a JSON object that names a field twice (a malformed-JSON 400,
 * not the record binder's 500; and no parser differential between what one reader and another takes
 * as the value) and nesting deeper than any request of ours needs.
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {
    /**
     * No request body of the project nests deeper (a KServe tensor's data is the deepest, a few
     * levels).
     */
    static final int MAX_NESTING = 32;

    /**
     * Strict about duplicates and depth; numbers by Jackson's fast floating-point parser (exactly
     * rounded, as the JDK's): the JDK's FloatingDecimal took 44-61 % of /api/predictions' CPU in a
     * JFR profile of bench/inference.sh.
     */
    @Override
    public void customize(ObjectMapper mapper) {
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        mapper.enable(JsonParser.Feature.USE_FAST_DOUBLE_PARSER);
        mapper.getFactory()
                .setStreamReadConstraints(
                        StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build());
    }
}
