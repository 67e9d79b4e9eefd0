package mmdigits.common.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The services' ObjectMapper: strict about duplicates and depth, exact about numbers. */
class StrictJsonTest {
    record Body(float[] values) {}

    static ObjectMapper mapper() {
        ObjectMapper m = new ObjectMapper();
        new StrictJson().customize(m);
        return m;
    }

    /**
     * The fast parser rounds every decimal as the JDK's Float.parseFloat does (the reference):
     * shortest representations, long ones, exponents, subnormals and halfway-looking digits.
     */
    @Test
    void floatsParseExactlyAsTheJdkParsesThem() throws Exception {
        Random random = new Random(7);
        StringBuilder json = new StringBuilder("{\"values\":[");
        String[] texts = new String[5000];
        for (int i = 0; i < texts.length; i++) {
            texts[i] =
                    switch (i % 5) {
                        case 0 -> Float.toString(Float.intBitsToFloat(random.nextInt()) % 1e6f);
                        case 1 -> Double.toString(random.nextGaussian() * 100);
                        case 2 ->
                                (random.nextInt(2000) - 1000) + "." + random.nextInt(1_000_000_000);
                        case 3 -> random.nextInt(256) + "e-" + random.nextInt(45);
                        default -> "0.1000000014901161193847656" + random.nextInt(10);
                    };
            if (texts[i].contains("NaN") || texts[i].contains("Infinity")) {
                texts[i] = "0.5";
            }
            json.append(i > 0 ? "," : "").append(texts[i]);
        }
        float[] parsed = mapper().readValue(json.append("]}").toString(), Body.class).values();
        for (int i = 0; i < texts.length; i++) {
            assertThat(Float.floatToIntBits(parsed[i]))
                    .as(texts[i])
                    .isEqualTo(Float.floatToIntBits(Float.parseFloat(texts[i])));
        }
    }

    @Test
    void aFieldNamedTwiceIsRefused() {
        assertThatThrownBy(() -> mapper().readTree("{\"a\": 1, \"a\": 2}"))
                .isInstanceOf(JsonProcessingException.class)
                .hasMessageContaining("Duplicate field 'a'");
    }

    @Test
    void nestingDeeperThanAnyRequestIsRefused() throws Exception {
        String deep =
                "[".repeat(StrictJson.MAX_NESTING + 1) + "]".repeat(StrictJson.MAX_NESTING + 1);
        assertThatThrownBy(() -> mapper().readTree(deep))
                .isInstanceOf(JsonProcessingException.class)
                .hasMessageContaining("nesting depth");
        String fine = "[".repeat(StrictJson.MAX_NESTING) + "]".repeat(StrictJson.MAX_NESTING);
        assertThat(mapper().readTree(fine)).isNotNull();
    }
}
