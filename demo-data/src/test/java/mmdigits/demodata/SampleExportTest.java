package mmdigits.demodata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import mmdigits.common.audio.Mfcc;
import mmdigits.common.audio.Wav;
import mmdigits.common.proto.Sample;
import mmdigits.common.proto.Split;
import mmdigits.common.sample.SampleJson;
import mmdigits.common.seed.LabelsCsv;
import mmdigits.common.seed.NpyDType;
import mmdigits.common.seed.NpyWriter;
import mmdigits.common.seed.SeedFileException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleExportTest {

    /**
     * Three test rows: image value (row * 7 + i) % 256 as u1, audio row + i / 1000 as f4, row ids
     * 10, 11, 12.
     */
    static Path fixture(Path dir, boolean labeled) throws Exception {
        try (NpyWriter images =
                        NpyWriter.create(dir.resolve("x_test_wr.npy"), NpyDType.UINT8, 3, 28, 28);
                NpyWriter audio =
                        NpyWriter.create(
                                dir.resolve("x_test_sp.npy"), NpyDType.FLOAT32, 3, 39, 13)) {
            for (int r = 0; r < 3; r++) {
                float[] img = new float[784];
                float[] aud = new float[507];
                for (int i = 0; i < 784; i++) {
                    img[i] = (r * 7 + i) % 256;
                }
                for (int i = 0; i < 507; i++) {
                    aud[i] = r + i / 1000f;
                }
                images.writeRow(img);
                audio.writeRow(aud);
            }
        }
        if (labeled) {
            LabelsCsv.write(
                    dir.resolve("y_test.csv"), new long[] {10, 11, 12}, new int[] {7, 2, 9});
        }
        return dir;
    }

    static List<String> run(String... args) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SampleExport.export(
                SampleExport.parse(args), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void printsTheRowsAsJsonSamplesWithTheirValuesRowIdsAndLabels(@TempDir Path tmp)
            throws Exception {
        Path dir = fixture(Files.createDirectories(tmp.resolve("my set")), true);
        List<String> lines = run(dir.toString(), "2", "0");
        assertThat(lines).hasSize(2);
        Sample s = SampleJson.parse(lines.get(0));
        assertThat(s.getId()).isEqualTo("my-set/test/12");
        assertThat(s.getDataset()).isEqualTo("my-set");
        assertThat(s.getSplit()).isEqualTo(Split.TEST);
        assertThat(s.getRowId()).isEqualTo(12);
        assertThat(s.getLabel()).isEqualTo(9);
        assertThat(s.getImageCount()).isEqualTo(784);
        assertThat(s.getImage(0)).isEqualTo(14f);
        assertThat(s.getImage(783)).isEqualTo((14 + 783) % 256);
        assertThat(s.getAudioCount()).isEqualTo(507);
        assertThat(s.getAudio(506)).isEqualTo(2 + 506 / 1000f);
        Sample first = SampleJson.parse(lines.get(1));
        assertThat(first.getId()).isEqualTo("my-set/test/10");
        assertThat(first.getLabel()).isEqualTo(7);
        // row id 0 (the protobuf default) is printed too: POST /samples requires row_id
        assertThat(
                        run(
                                        fixture(
                                                        Files.createDirectories(
                                                                tmp.resolve("unlabeled")),
                                                        false)
                                                .toString(),
                                        "0")
                                .get(0))
                .contains("\"row_id\":\"0\"");
        // one line each, as kcat -l and the HTTP examples want it; snake_case field names as
        // documented
        assertThat(lines.get(0))
                .doesNotContain("\n")
                .contains("\"row_id\":\"12\"")
                .contains("\"split\":\"TEST\"");
    }

    @Test
    void datasetNameAndUnlabeledRows(@TempDir Path tmp) throws Exception {
        Path dir = fixture(tmp, false);
        Sample s = SampleJson.parse(run(dir.toString(), "1", "--dataset", "live").get(0));
        assertThat(s.getId()).isEqualTo("live/test/1");
        assertThat(s.hasLabel()).isFalse();
        assertThatThrownBy(() -> run(dir.toString(), "1", "--wav", tmp.resolve("x.wav").toString()))
                .isInstanceOf(SeedFileException.class)
                .hasMessage(
                        "y_test.csv: --wav needs the label of row 1, and the test split has no labels");
        assertThat(tmp.resolve("x.wav")).doesNotExist();
    }

    @Test
    void writesTheImageAsPngAndTheSpokenDigitAsWav(@TempDir Path tmp) throws Exception {
        Path dir = fixture(tmp, true);
        Path png = tmp.resolve("out/seven.png");
        Path wav = tmp.resolve("out/seven.wav");
        run(dir.toString(), "0", "--png", png.toString(), "--wav", wav.toString());
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(28);
        assertThat(img.getHeight()).isEqualTo(28);
        for (int i = 0; i < 784; i += 37) {
            assertThat(img.getRaster().getSample(i % 28, i / 28, 0))
                    .as("pixel %d", i)
                    .isEqualTo(i % 256);
        }
        Wav.Audio audio = Wav.decode(Files.readAllBytes(wav), "seven.wav");
        assertThat(audio.sampleRate()).isEqualTo(Mfcc.SAMPLE_RATE);
        assertThat(audio.seconds()).isBetween(0.2, 2.0);
        double energy = 0;
        for (float v : audio.samples()) {
            energy += v * v;
        }
        assertThat(Math.sqrt(energy / audio.samples().length))
                .as("RMS of the recording")
                .isGreaterThan(0.01);
    }

    @Test
    void badArgumentsNameTheProblem(@TempDir Path tmp) throws Exception {
        Path dir = fixture(tmp, true);
        assertThatThrownBy(() -> run(dir.toString(), "3"))
                .isInstanceOf(SeedFileException.class)
                .hasMessage(
                        "x_test_wr.npy: row 3 is out of range (the test split has 3 rows: 0 to 2)");
        assertThatThrownBy(() -> run(dir.toString(), "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ROW: 'x' is not a row number");
        assertThatThrownBy(() -> run(dir.toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a directory and at least one row are required");
        assertThatThrownBy(() -> run(dir.toString(), "0", "--split", "dev"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("split must be train or test, got 'dev'");
        assertThatThrownBy(() -> run(dir.toString(), "0", "--split", "train"))
                .isInstanceOf(SeedFileException.class)
                .hasMessageStartingWith("x_train_wr.npy: ");
        assertThat(SampleExport.parse(new String[] {"--help"})).isNull();
    }
}
