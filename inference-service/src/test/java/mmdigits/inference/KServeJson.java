package mmdigits.inference;

import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import mmdigits.common.proto.Sample;

/**
 * The REST JSON answer of the Open Inference Protocol, the reference the binary and gRPC tests
 * compare against.
 */
public final class KServeJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private KServeJson() {}

    /**
     * The probabilities and the embedding that POST /v2/models/digits/infer answers for images
     * [2,784] and audio [2,507].
     */
    public static float[][] answer(float[] img, float[] aud) throws Exception {
        String request =
                """
                {"inputs": [{"name": "image", "shape": [2, 784], "datatype": "FP32", "data": %s},
                            {"name": "audio", "shape": [2, 507], "datatype": "FP32", "data": %s}]}"""
                        .formatted(JSON.writeValueAsString(img), JSON.writeValueAsString(aud));
        JsonNode r =
                JSON.readTree(
                        given().contentType("application/json")
                                .body(request)
                                .post("/v2/models/digits/infer")
                                .then()
                                .statusCode(200)
                                .extract()
                                .asString());
        return new float[][] {
            JSON.convertValue(r.get("outputs").get(0).get("data"), float[].class),
            JSON.convertValue(r.get("outputs").get(1).get("data"), float[].class)
        };
    }

    /** The images of two samples as one [2,784] tensor's values. */
    public static float[] images(Sample a, Sample b) {
        return concat(KafkaFixtures.image(a), KafkaFixtures.image(b));
    }

    /** The audio of two samples as one [2,507] tensor's values. */
    public static float[] audio(Sample a, Sample b) {
        return concat(KafkaFixtures.audio(a), KafkaFixtures.audio(b));
    }

    /** Two rows' values one after the other. */
    public static float[] concat(float[] a, float[] b) {
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
