package mmdigits.ingest.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mmdigits.common.Topics;
import mmdigits.common.kafka.SampleDeserializer;
import mmdigits.common.kafka.TopicAdmin;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import mmdigits.common.sample.SampleJson;
import mmdigits.localkafka.SharedBroker;
import mmdigits.localkafka.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A third-party client streams samples by hand: kcat (Debian package) produces the documented JSON
 * form with a content-type header, exactly as the README shows, and our deserializer accepts it.
 */
class KcatJsonSampleTest {

    @Test
    void kcatProducesJsonSamplesThatConsumersAccept(@TempDir Path dir) throws Exception {
        Path kcat = Path.of("/usr/bin/kcat");
        assertThat(kcat)
                .as("kcat is needed for this test: apt-get install -y kcat (.ci/run installs it)")
                .exists();
        String bootstrap = SharedBroker.bootstrapServers();
        TopicAdmin.ensureTopics(bootstrap, Duration.ofSeconds(30));

        // README: one sample per line, "<key>|<JSON>"
        StringBuilder lines = new StringBuilder();
        for (int row = 0; row < 3; row++) {
            Sample.Builder b =
                    Sample.newBuilder()
                            .setId("kcat/test/" + row)
                            .setDataset("kcat")
                            .setSplit(Split.TEST)
                            .setRowId(row);
            if (row == 1) {
                b.setLabel(4);
            }
            for (int i = 0; i < 784; i++) {
                b.addImage((i * (row + 1)) % 256);
            }
            for (int i = 0; i < 507; i++) {
                b.addAudio(i / 8f - row);
            }
            lines.append("kcat/test/")
                    .append(row)
                    .append('|')
                    .append(SampleJson.print(b.build()))
                    .append('\n');
        }
        Path file = Files.writeString(dir.resolve("samples.jsonl"), lines);
        Process p =
                new ProcessBuilder(
                                kcat.toString(),
                                "-P",
                                "-b",
                                bootstrap,
                                "-t",
                                Topics.SAMPLES_TEST,
                                "-H",
                                "content-type=application/json",
                                "-K",
                                "|",
                                "-l",
                                file.toString())
                        .redirectErrorStream(true)
                        .start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();

        List<ConsumerRecord<String, byte[]>> records =
                TopicReader.readAll(bootstrap, Topics.SAMPLES_TEST, "read_committed").stream()
                        .filter(r -> r.key().startsWith("kcat/"))
                        .toList();
        assertThat(records).hasSize(3);
        SampleDeserializer d = new SampleDeserializer();
        for (ConsumerRecord<String, byte[]> r : records) {
            Sample s = d.deserialize(Topics.SAMPLES_TEST, r.headers(), r.value());
            int row = (int) s.getRowId();
            assertThat(s.getId()).isEqualTo(r.key()).isEqualTo("kcat/test/" + row);
            assertThat(s.hasLabel()).isEqualTo(row == 1);
            assertThat(s.getImage(783)).isEqualTo((783 * (row + 1)) % 256);
            assertThat(s.getAudio(100)).isEqualTo(100 / 8f - row);
        }
    }
}
