package mmdigits.ingest.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.google.protobuf.InvalidProtocolBufferException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import mmdigits.common.Topics;
import mmdigits.common.events.Publication;
import mmdigits.common.kafka.PublicationReader;
import mmdigits.common.kafka.Publications;
import mmdigits.common.kafka.SampleDeserializer;
import mmdigits.common.proto.DatasetPublished;
import mmdigits.common.proto.Event;
import mmdigits.common.proto.PartitionRange;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import mmdigits.common.seed.NpyDType;
import mmdigits.common.seed.NpyWriter;
import mmdigits.common.seed.SeedFiles;
import mmdigits.common.seed.SyntheticDataset;
import mmdigits.localkafka.KafkaBrokerTestResource;
import mmdigits.localkafka.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.assertj.core.groups.Tuple;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Publishes small seed directories through the real local broker and reads them back with a plain
 * consumer.
 */
@QuarkusTest
@QuarkusTestResource(KafkaBrokerTestResource.class)
class DatasetResourceTest {
    /** A token with the roles these calls need. */
    static final String TOKEN = KafkaBrokerTestResource.token("ingest");

    static final Path ROOT = Path.of("target/test-datasets");

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    /** A refused call shows the problem the service answered, not only its status. */
    @BeforeAll
    static void showProblemsOfFailedCalls() {
        RestAssured.enableLoggingOfRequestAndResponseIfValidationFails();
    }

    static List<Sample> samplesOf(
            String bootstrap, String topic, String dataset, String isolation) {
        SampleDeserializer d = new SampleDeserializer();
        return TopicReader.readAll(bootstrap, topic, isolation).stream()
                .filter(r -> r.key().startsWith(dataset + "/"))
                .map(r -> d.deserialize(topic, r.headers(), r.value()))
                .toList();
    }

    @Test
    void directoryIsPublishedOnceBitExactWithEvents() throws Exception {
        SyntheticDataset.write(ROOT.resolve("exact"), 11, 300, 120, true);
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"directory\": \"exact\"}")
                .when()
                .post("/datasets")
                .then()
                .statusCode(200)
                .body("dataset", equalTo("exact"))
                .body("splits[0].split", equalTo("train"))
                .body("splits[0].count", equalTo(300))
                .body("splits[1].split", equalTo("test"))
                .body("splits[1].count", equalTo(120))
                .body("splits[1].labeled", equalTo(true));

        for (String split : List.of("train", "test")) {
            String topic = split.equals("train") ? Topics.SAMPLES_TRAIN : Topics.SAMPLES_TEST;
            List<ConsumerRecord<String, byte[]>> records =
                    TopicReader.readAll(bootstrap, topic, "read_committed").stream()
                            .filter(r -> r.key().startsWith("exact/"))
                            .toList();
            int rows = split.equals("train") ? 300 : 120;
            assertThat(records).hasSize(rows);
            Set<String> ids = new HashSet<>();
            SampleDeserializer d = new SampleDeserializer();
            for (ConsumerRecord<String, byte[]> r : records) {
                Sample s = d.deserialize(topic, r.headers(), r.value());
                assertThat(s.getId()).isEqualTo(r.key());
                assertThat(ids.add(s.getId())).as("duplicate %s", s.getId()).isTrue();
                int row = (int) s.getRowId();
                assertThat(s.getId()).isEqualTo("exact/" + split + "/" + row);
                assertThat(s.getLabel()).isEqualTo(SyntheticDataset.label(11, split, row));
                for (int i = 0; i < 784; i++) {
                    assertThat(s.getImage(i)).isEqualTo(SyntheticDataset.image(11, split, row, i));
                }
                for (int i = 0; i < 507; i++) {
                    assertThat(Float.floatToRawIntBits(s.getAudio(i)))
                            .as("%s audio[%d]", s.getId(), i)
                            .isEqualTo(
                                    Float.floatToRawIntBits(
                                            SyntheticDataset.audio(11, split, row, i)));
                }
            }
            assertThat(ids).hasSize(rows);
        }

        List<DatasetPublished> events =
                TopicReader.readAll(bootstrap, Topics.EVENTS, "read_committed").stream()
                        .filter(r -> r.key().equals("exact"))
                        .map(r -> parse(r.value()).getDatasetPublished())
                        .toList();
        assertThat(events)
                .extracting(
                        DatasetPublished::getSplit,
                        DatasetPublished::getCount,
                        DatasetPublished::getLastRowId)
                .containsExactly(
                        Tuple.tuple(Split.TRAIN, 300L, 299L), Tuple.tuple(Split.TEST, 120L, 119L));

        // publishing the same directory again gives the same ids (consumers dedupe on them)
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"directory\": \"exact\"}")
                .post("/datasets")
                .then()
                .statusCode(200);
        List<Sample> twice = samplesOf(bootstrap, Topics.SAMPLES_TEST, "exact", "read_committed");
        assertThat(twice).hasSize(240);
        assertThat(twice.stream().map(Sample::getId).distinct()).hasSize(120);
    }

    @Test
    void eachSplitIsFoundByItsPublicationAlone() throws Exception {
        SyntheticDataset.write(ROOT.resolve("located"), 12, 150, 60, true);
        List<String> publications = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            JsonPath r =
                    given().auth()
                            .oauth2(TOKEN)
                            .contentType(ContentType.JSON)
                            .body("{\"directory\": \"located\"}")
                            .post("/datasets")
                            .then()
                            .statusCode(200)
                            .extract()
                            .jsonPath();
            publications.add(r.getString("splits[1].publication"));
            // streamed samples of the same dataset between the publications carry no publication
            given().auth()
                    .oauth2(TOKEN)
                    .contentType(ContentType.JSON)
                    .body(SampleResourceTest.sample("located", "test", 1000 + round, 4, 784, "0"))
                    .post("/samples")
                    .then()
                    .statusCode(200);
        }
        assertThat(publications)
                .doesNotHaveDuplicates()
                .allMatch(p -> p.startsWith("located/test/"));
        List<Event> events =
                TopicReader.readAll(bootstrap, Topics.EVENTS, "read_committed").stream()
                        .filter(r -> r.key().equals("located"))
                        .map(r -> parse(r.value()))
                        .filter(e -> e.getDatasetPublished().getSplit() == Split.TEST)
                        .toList();
        assertThat(events)
                .extracting(e -> e.getDatasetPublished().getPublicationId())
                .containsExactlyElementsOf(publications);
        for (Event e : events) {
            DatasetPublished d = e.getDatasetPublished();
            assertThat(d.getRangesList().stream().mapToLong(PartitionRange::getCount).sum())
                    .isEqualTo(60);
            List<ConsumerRecord<String, byte[]>> records =
                    PublicationReader.readAll(
                            bootstrap, Publication.of(d, 0), Duration.ofSeconds(30));
            assertThat(records).hasSize(60);
            assertThat(records)
                    .extracting(ConsumerRecord::key)
                    .doesNotHaveDuplicates()
                    .allMatch(
                            k ->
                                    k.startsWith("located/test/")
                                            && Integer.parseInt(k.substring(13)) < 60);
            for (ConsumerRecord<String, byte[]> rec : records) {
                PartitionRange range =
                        d.getRangesList().stream()
                                .filter(x -> x.getPartition() == rec.partition())
                                .findFirst()
                                .orElseThrow();
                assertThat(rec.offset()).isBetween(range.getFirstOffset(), range.getLastOffset());
            }
        }
        // on the topic: every record of a published split has its publication header, a streamed
        // one none
        for (ConsumerRecord<String, byte[]> rec :
                TopicReader.readAll(bootstrap, Topics.SAMPLES_TEST, "read_committed")) {
            if (rec.key().startsWith("located/test/")) {
                String pub = Publications.of(rec.headers());
                if (rec.key().startsWith("located/test/100")) {
                    assertThat(pub).as(rec.key()).isNull();
                } else {
                    assertThat(publications).as(rec.key()).contains(pub);
                }
            }
        }
    }

    static Event parse(byte[] bytes) {
        try {
            return Event.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void badFileIsRejectedAndNothingIsVisible() throws Exception {
        Path dir = SyntheticDataset.write(ROOT.resolve("bad-nan"), 5, 200, 50, false);
        // the last row of the test audio holds a NaN: the train split before it must not be
        // published either
        try (NpyWriter w =
                NpyWriter.create(dir.resolve("x_test_sp.npy"), NpyDType.FLOAT32, 50, 39, 13)) {
            for (int r = 0; r < 50; r++) {
                float[] row = new float[507];
                row[3] = r == 49 ? Float.NaN : r;
                w.writeRow(row);
            }
        }
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"directory\": \"bad-nan\"}")
                .when()
                .post("/datasets")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("field", equalTo("x_test_sp.npy"))
                .body(
                        "detail",
                        equalTo(
                                "x_test_sp.npy: row 49, column 3: value NaN is not finite (nothing was published)"));
        assertThat(samplesOf(bootstrap, Topics.SAMPLES_TRAIN, "bad-nan", "read_committed"))
                .isEmpty();
        assertThat(samplesOf(bootstrap, Topics.SAMPLES_TEST, "bad-nan", "read_committed"))
                .isEmpty();

        Path labels =
                SyntheticDataset.write(ROOT.resolve("bad-label"), 5, 20, 0, false)
                        .resolve("y_train.csv");
        Files.writeString(labels, Files.readString(labels).replace("\n7,", "\n7,12\n#,"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"directory\": \"bad-label\"}")
                .post("/datasets")
                .then()
                .statusCode(400)
                .body("detail", startsWith("y_train.csv: line 9: label 12 is not in 0-9"));
        assertThat(samplesOf(bootstrap, Topics.SAMPLES_TRAIN, "bad-label", "read_committed"))
                .isEmpty();
    }

    @Test
    void directoryMustExistBelowTheRoot() throws Exception {
        Files.createDirectories(ROOT);
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"directory\": \"../../etc\"}")
                .post("/datasets")
                .then()
                .statusCode(400)
                .body("field", equalTo("directory"))
                .body("detail", startsWith("directory: '../../etc' is outside the dataset root"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"directory\": \"nope\"}")
                .post("/datasets")
                .then()
                .statusCode(400)
                .body("detail", startsWith("directory: 'nope' does not exist"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{}")
                .post("/datasets")
                .then()
                .statusCode(400)
                .body("detail", startsWith("directory: is required"));
        Files.createDirectories(ROOT.resolve("empty"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"directory\": \"empty\"}")
                .post("/datasets")
                .then()
                .statusCode(400)
                .body("detail", startsWith("x_train_wr.npy: not found in"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"directory\": \"empty\", \"dataset\": \"a b\"}")
                .post("/datasets")
                .then()
                .statusCode(400)
                .body("field", equalTo("dataset"));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"directory\": ")
                .post("/datasets")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("title", equalTo("Malformed JSON"));
    }

    @Test
    void linksCannotLeadOutOfTheRoot() throws Exception {
        Path outside = Files.createDirectories(Path.of("target/outside-the-root").toAbsolutePath());
        Files.writeString(outside.resolve(SeedFiles.TRAIN_LABELS), "label\n1\n");
        Path link = ROOT.resolve("escape");
        Files.createDirectories(ROOT);
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, outside);
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"directory\": \"escape\"}")
                .post("/datasets")
                .then()
                .statusCode(400)
                .body("field", equalTo("directory"))
                .body("detail", startsWith("directory: 'escape' leads outside the dataset root"));
        // a real directory inside the root whose seed file is a link to a file outside
        Path inside = Files.createDirectories(ROOT.resolve("with-linked-file"));
        Files.deleteIfExists(inside.resolve(SeedFiles.TRAIN_LABELS));
        Files.createSymbolicLink(
                inside.resolve(SeedFiles.TRAIN_LABELS), outside.resolve(SeedFiles.TRAIN_LABELS));
        given().auth()
                .oauth2(TOKEN)
                .contentType(ContentType.JSON)
                .body("{\"directory\": \"with-linked-file\"}")
                .post("/datasets")
                .then()
                .statusCode(400)
                .body("field", equalTo(SeedFiles.TRAIN_LABELS))
                .body(
                        "detail",
                        startsWith(
                                SeedFiles.TRAIN_LABELS
                                        + ": a link that leads outside the dataset root"));
    }

    @Test
    void multipartUploadIsPublished() throws Exception {
        Path dir = SyntheticDataset.write(ROOT.resolve("up-src"), 3, 40, 10, false);
        var req = given().auth().oauth2(TOKEN).multiPart("dataset", "uploaded");
        for (String f :
                List.of(
                        "x_train_wr.npy",
                        "x_train_sp.npy",
                        "y_train.csv",
                        "x_test_wr.npy",
                        "x_test_sp.npy")) {
            req = req.multiPart(f, dir.resolve(f).toFile());
        }
        req.when()
                .post("/datasets")
                .then()
                .statusCode(200)
                .body("dataset", equalTo("uploaded"))
                .body("splits[0].count", equalTo(40))
                .body("splits[1].count", equalTo(10))
                .body("splits[1].labeled", equalTo(false));
        List<Sample> test = samplesOf(bootstrap, Topics.SAMPLES_TEST, "uploaded", "read_committed");
        assertThat(test).hasSize(10).allMatch(s -> !s.hasLabel());

        given().auth()
                .oauth2(TOKEN)
                .multiPart("x_train_wr.npy", dir.resolve("x_train_wr.npy").toFile())
                .multiPart("dataset", "partial")
                .when()
                .post("/datasets")
                .then()
                .statusCode(400)
                .body("detail", startsWith("x_train_sp.npy: file not found"));
    }

    @Test
    void readinessMeansTheBrokerAnswers() {
        given().auth()
                .oauth2(TOKEN)
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                // the checks come in no fixed order (Quarkus adds "Graceful Shutdown" with the
                // shutdown delay)
                .body("checks.find { it.name == 'kafka-broker' }.status", equalTo("UP"))
                .body("status", equalTo("UP"));
    }
}
