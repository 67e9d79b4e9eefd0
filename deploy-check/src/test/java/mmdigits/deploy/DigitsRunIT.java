package mmdigits.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

/**
 * The README's main command end to end, on a small demo set: {@code ./digits run --train 2000 --test
 * 500 --epochs 1} with its own ports and directories (target/e2e), then its outputs: predictions.csv
 * with one row per test sample (checked against y_test.csv for the accuracy the summary printed), a
 * model ONNX Runtime loads and runs, a report page.
 */
class DigitsRunIT {

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void digitsRunOnASmallDemoSet() throws Exception {
        Path root = ServiceConfig.root();
        Path work = Path.of("target/e2e").toAbsolutePath();
        Path out = work.resolve("out");
        ProcessBuilder pb = new ProcessBuilder("./digits", "run", "--train", "2000", "--test", "500", "--epochs", "1")
                .directory(root.toFile()).redirectErrorStream(true).redirectOutput(work.resolve("digits-run.log").toFile());
        Files.createDirectories(work);
        if (Files.exists(work.resolve("run"))) {
            ServiceConfig.deleteTree(work.resolve("run"));
        }
        Map<String, String> env = pb.environment();
        env.put("DIGITS_RUN_DIR", work.resolve("run").toString());
        env.put("DIGITS_OUT_DIR", out.toString());
        for (String port : List.of("KAFKA", "CONTROLLER", "INGEST", "TRAINER", "INFERENCE", "VIZ")) {
            env.put("DIGITS_" + port + "_PORT", Integer.toString(freePort()));
        }
        Process p = pb.start();
        boolean ended = p.waitFor(20, TimeUnit.MINUTES);
        String log = Files.readString(work.resolve("digits-run.log"));
        if (!ended) {
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
        }
        assertThat(ended).as(log).isTrue();
        assertThat(p.exitValue()).as(log).isZero();

        // predictions.csv: the original format, one row per test sample, by row id
        List<String> rows = Files.readAllLines(out.resolve("predictions.csv"));
        assertThat(rows).hasSize(501);
        assertThat(rows.get(0)).isEqualTo("row_id,label");
        List<String> truth = Files.readAllLines(root.resolve("data/demo-2000-500/y_test.csv"));
        assertThat(truth.get(0)).isEqualTo("row_id,label");
        int correct = 0;
        for (int i = 1; i <= 500; i++) {
            String[] r = rows.get(i).split(",");
            assertThat(Integer.parseInt(r[0])).isEqualTo(i - 1);
            assertThat(Integer.parseInt(r[1])).isBetween(0, 9);
            correct += truth.get(i).split(",")[1].equals(r[1]) ? 1 : 0;
        }
        double accuracy = correct / 500.0;
        Matcher printed = Pattern.compile("test accuracy\\s+([0-9.]+)\\s+\\(500 test samples").matcher(log);
        assertThat(printed.find()).as(log).isTrue();
        assertThat(Double.parseDouble(printed.group(1))).isCloseTo(accuracy, within(0.00005));
        JsonNode report = new ObjectMapper().readTree(out.resolve("report/report.json").toFile());
        assertThat(report.at("/metrics/accuracy").asDouble()).isCloseTo(accuracy, within(1e-12));
        assertThat(report.get("samples").asInt()).isEqualTo(500);
        assertThat(Files.readString(out.resolve("report/index.html"))).contains("<h1>Model " + report.get("model_version").asText());
        assertThat(out.resolve("report/tsne-labels.png")).isNotEmptyFile();

        // the model: ONNX Runtime loads it and answers the contract
        OrtEnvironment env2 = OrtEnvironment.getEnvironment();
        try (OrtSession s = env2.createSession(Files.readAllBytes(out.resolve("model.onnx")), new OrtSession.SessionOptions());
                OnnxTensor image = OnnxTensor.createTensor(env2, FloatBuffer.wrap(new float[784]), new long[] {1, 784});
                OnnxTensor audio = OnnxTensor.createTensor(env2, FloatBuffer.wrap(new float[507]), new long[] {1, 507});
                OrtSession.Result r = s.run(Map.of("image", image, "audio", audio))) {
            float[][] probs = (float[][]) r.get("probabilities").get().getValue();
            double sum = 0;
            for (float v : probs[0]) {
                sum += v;
            }
            assertThat(sum).isCloseTo(1.0, within(1e-4));
            assertThat(((float[][]) r.get("embedding").get().getValue())[0]).hasSize(128);
        }
        // everything it started was stopped
        assertThat(log).contains("stopped kafka");
    }
}
