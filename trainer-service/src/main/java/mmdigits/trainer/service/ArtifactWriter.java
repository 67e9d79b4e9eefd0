package mmdigits.trainer.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mmdigits.common.proto.ModelRelease;
import mmdigits.trainer.training.FusionTrainer;

/**
 * A release's files under the artifacts directory: {@code <version>/} holds {@code model.onnx}, the
 * DJL {@code parameters.djl} and {@code metrics.json}; {@code latest/} a copy of the newest
 * registered version's.
 */
final class ArtifactWriter {
    private static final List<String> FILES =
            List.of("model.onnx", "parameters.djl", "metrics.json");

    private final Path dir;

    ArtifactWriter(Path artifactsDir) {
        this.dir = artifactsDir;
    }

    /** Writes the version's files (before it is registered: a failed release leaves them). */
    void write(ModelRelease release, FusionTrainer.Result result) throws IOException {
        Path versionDir = dir.resolve(release.getVersion());
        Files.createDirectories(versionDir);
        Files.write(versionDir.resolve("model.onnx"), result.onnx());
        Files.write(versionDir.resolve("parameters.djl"), result.parameters());
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(versionDir.resolve("metrics.json").toFile(), metadata(release, result));
    }

    private static Map<String, Object> metadata(ModelRelease release, FusionTrainer.Result result) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", release.getName());
        m.put("version", release.getVersion());
        m.put("dataset", release.getDataset());
        m.put("device", result.device());
        m.put("train_samples", result.trainSamples());
        m.put("validation_samples", result.validationSamples());
        m.put("embedding_dim", result.embeddingDim());
        m.put("metrics", result.metrics());
        m.put("epochs", result.epochs());
        return m;
    }

    /** latest/ becomes {@code version}'s files (once its release is committed). */
    void copyToLatest(String version) throws IOException {
        Path latestDir = dir.resolve("latest");
        Files.createDirectories(latestDir);
        for (String f : FILES) {
            Files.copy(
                    dir.resolve(version).resolve(f),
                    latestDir.resolve(f),
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
