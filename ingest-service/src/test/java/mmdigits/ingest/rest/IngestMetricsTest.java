package mmdigits.ingest.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.Scrape;
import org.junit.jupiter.api.Test;

/** The ingest service's own metrics: listed from the start, counting rows, bytes and refusals. */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class IngestMetricsTest {
    /** A token with the roles these calls need. */
    static final String TOKEN = KafkaBrokerTestResource.token("ingest");

    static double value(String metrics, String series) {
        Matcher m =
                Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE)
                        .matcher(metrics);
        assertThat(m.find()).as("%s in%n%s", series, metrics).isTrue();
        return Double.parseDouble(m.group(1));
    }

    static String metrics() {
        return given().auth()
                .oauth2(TOKEN)
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
    }

    @Test
    void rowsBytesAndRefusalsAreCounted() throws IOException {
        String before = metrics();
        for (String kind : new String[] {"train", "test", "stream"}) {
            value(before, "mmdigits_ingest_rows_total{kind=\"" + kind + "\"}");
            value(before, "mmdigits_ingest_bytes_total{kind=\"" + kind + "\"}");
        }
        for (String reason :
                new String[] {"invalid-file", "invalid-sample", "bad-request", "kafka"}) {
            value(before, "mmdigits_ingest_rejected_total{reason=\"" + reason + "\"}");
        }
        String two =
                "["
                        + SampleResourceTest.sample("metered", "test", 0, 1, 784, "1")
                        + ","
                        + SampleResourceTest.sample("metered", "test", 1, 2, 784, "1")
                        + "]";
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(two)
                .post("/samples")
                .then()
                .statusCode(200);
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body(SampleResourceTest.sample("metered", "test", 2, 1, 783, "1"))
                .post("/samples")
                .then()
                .statusCode(400);
        String after = metrics();
        assertThat(
                        value(after, "mmdigits_ingest_rows_total{kind=\"stream\"}")
                                - value(before, "mmdigits_ingest_rows_total{kind=\"stream\"}"))
                .isEqualTo(2);
        // each sample: 784 + 507 floats, an id, a dataset, a split, a row id and a label in
        // protobuf
        double bytes =
                value(after, "mmdigits_ingest_bytes_total{kind=\"stream\"}")
                        - value(before, "mmdigits_ingest_bytes_total{kind=\"stream\"}");
        assertThat(bytes).isBetween(2.0 * (784 + 507) * 4, 2.0 * ((784 + 507) * 4 + 100));
        assertThat(
                        value(after, "mmdigits_ingest_rejected_total{reason=\"invalid-sample\"}")
                                - value(
                                        before,
                                        "mmdigits_ingest_rejected_total{reason=\"invalid-sample\"}"))
                .isEqualTo(1);
        Scrape.now().assertDocumented();
    }
}
