package mmdigits.inference.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mmdigits.inference.Releases;
import mmdigits.localkafka.Fuzz;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.RestFuzz;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Every body of inference, fuzzed (seeded), with a model loaded: JSON predictions, KServe infer,
 * scoring requests and uploaded files. Each answer is a 2xx or a 4xx, never a 5xx; the service
 * stays ready.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class FuzzTest {
    static final String TOKEN = KafkaBrokerTestResource.token("train");

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    static Map<Integer, Integer> fuzz(String path, List<String> valid, long seed, int n) {
        return RestFuzz.withToken(TOKEN).post(path, valid, seed, n);
    }

    static String values(int n, String v) {
        return "[" + (v + ",").repeat(n - 1) + v + "]";
    }

    @Test
    void jsonBodies() throws Exception {
        Releases.ensureLoaded(bootstrap);
        String image = values(784, "12");
        String audio = values(507, "-3.5");
        assertThat(
                        fuzz(
                                "/api/predictions",
                                List.of(
                                        "{\"image\":" + image + ",\"audio\":" + audio + "}",
                                        "{\"instances\":[{\"image\":"
                                                + image
                                                + "},{\"audio\":"
                                                + audio
                                                + "}]}"),
                                1501,
                                2000))
                .containsKey(200)
                .containsKey(400);
        assertThat(
                        fuzz(
                                "/v2/models/digits/infer",
                                List.of(
                                        "{\"id\":\"f\",\"inputs\":[{\"name\":\"image\",\"shape\":[1,784],\"datatype\":\"FP32\","
                                                + "\"data\":"
                                                + image
                                                + "},{\"name\":\"audio\",\"shape\":[1,507],\"datatype\":\"FP32\",\"data\":"
                                                + audio
                                                + "}],"
                                                + "\"outputs\":[{\"name\":\"probabilities\"}]}"),
                                1502,
                                2000))
                .containsKey(200)
                .containsKey(400);
        assertThat(
                        fuzz(
                                "/api/scorings",
                                List.of(
                                        "{\"dataset\": \"nope\"}",
                                        "{\"dataset\": \"nope\", \"version\": \"v1\"}"),
                                1503,
                                500))
                .containsKey(404);
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void uploadedFiles() throws Exception {
        Releases.ensureLoaded(bootstrap);
        List<byte[]> images = Fuzz.mutants(1504, List.of(PredictionResourceTest.png()), 300, true);
        List<byte[]> sounds = Fuzz.mutants(1505, List.of(PredictionResourceTest.wav()), 300, true);
        List<String> index = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            index.add(Integer.toString(i));
        }
        Fuzz.send(
                "uploads (image seed 1504, audio seed 1505)",
                1504,
                index,
                i -> {
                    Response r =
                            given().multiPart(
                                            "image",
                                            "f.png",
                                            images.get(Integer.parseInt(i)),
                                            "image/png")
                                    .multiPart(
                                            "audio",
                                            "f.wav",
                                            sounds.get(Integer.parseInt(i)),
                                            "audio/wav")
                                    .post("/api/predictions");
                    return new Fuzz.Answer(r.statusCode(), r.asString());
                });
        given().get("/q/health/ready").then().statusCode(200);
    }
}
