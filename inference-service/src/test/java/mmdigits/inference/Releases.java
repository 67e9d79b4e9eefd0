package mmdigits.inference;

import static io.restassured.RestAssured.given;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import mmdigits.common.proto.ModelRelease;

/** The releases the tests publish, by version, with their reference models. */
public final class Releases {
    public static final Map<String, ReferenceModel> MODELS =
            Map.of(
                    "v1",
                    new ReferenceModel(1),
                    "v2",
                    new ReferenceModel(2),
                    "v3",
                    new ReferenceModel(3));

    private Releases() {}

    public static ModelRelease release(String version) {
        return MODELS.get(version).release(version, 1000L * Integer.parseInt(version.substring(1)));
    }

    public static void publish(String bootstrap, String version) throws Exception {
        KafkaFixtures.send(bootstrap, List.of(KafkaFixtures.record(release(version))));
    }

    /** The version the service has loaded, waiting up to the timeout for one. */
    public static String awaitLoaded(String atLeast, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            var status = given().get("/api/model").then().statusCode(200).extract().jsonPath();
            if (status.getBoolean("loaded")
                    && status.getString("version").compareTo(atLeast) >= 0) {
                return status.getString("version");
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no model version >= " + atLeast + " loaded within " + timeout);
    }

    /** Makes sure a model is loaded (v1 if none), returns its version. */
    public static String ensureLoaded(String bootstrap) throws Exception {
        if (!given().get("/api/model").then().extract().jsonPath().getBoolean("loaded")) {
            publish(bootstrap, "v1");
        }
        return awaitLoaded("v1", Duration.ofSeconds(30));
    }
}
