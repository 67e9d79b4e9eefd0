package mmdigits.ingest.rest;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import mmdigits.common.rest.ProblemException;
import mmdigits.common.sample.SampleIds;
import mmdigits.common.seed.SeedFiles;
import mmdigits.ingest.IngestResult;
import mmdigits.ingest.config.IngestConfig;
import mmdigits.ingest.messaging.ProgressLog;
import mmdigits.ingest.messaging.PublishProgress;
import mmdigits.ingest.service.DatasetIngestor;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

@jakarta.ws.rs.Path("/datasets")
@Tag(name = "datasets", description = "Publish a whole dataset (the original seed files) to Kafka")
public class DatasetResource {
    private static final Set<String> FILE_NAMES =
            Set.of(
                    SeedFiles.TRAIN_IMAGES,
                    SeedFiles.TRAIN_AUDIO,
                    SeedFiles.TRAIN_LABELS,
                    SeedFiles.TEST_IMAGES,
                    SeedFiles.TEST_AUDIO,
                    SeedFiles.TEST_LABELS);

    /**
     * A directory on the server, below {@code ingest.dataset-root}; {@code dataset} names it
     * (default: the directory's name).
     */
    public record DirectoryRequest(
            @NotBlank(message = "is required (a path below the dataset root)") String directory,
            @Pattern(regexp = SampleIds.NAME_REGEX, message = SampleIds.NAME_RULE)
                    String dataset) {}

    private final DatasetIngestor ingestor;
    private final PublishProgress progress;
    private final IngestConfig config;
    private final KafkaFailures failures;

    public DatasetResource(
            DatasetIngestor ingestor,
            IngestConfig config,
            KafkaFailures failures,
            PublishProgress progress) {
        this.ingestor = ingestor;
        this.progress = progress;
        this.config = config;
        this.failures = failures;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Publish a server-side seed directory",
            description =
                    "Validates every file, then publishes each split atomically (train, then test).")
    @APIResponse(responseCode = "200", description = "all splits committed")
    @APIResponse(
            responseCode = "400",
            description = "a file is missing or invalid; nothing was published")
    public IngestResult fromDirectory(@Valid DirectoryRequest request) {
        if (request == null) {
            throw ProblemException.badRequest(
                    "directory: is required (a path below " + config.datasetRoot() + ")",
                    "directory");
        }
        Path dir = directoryBelowRoot(request.directory());
        String dataset =
                datasetName(
                        request.dataset(),
                        dir.getFileName() == null ? null : dir.getFileName().toString());
        return failures.run(() -> ingestor.ingest(dir, dataset, dir.toString()));
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Upload and publish seed files",
            description =
                    "Form fields named after the files (x_train_wr.npy, x_train_sp.npy, y_train.csv, x_test_wr.npy,"
                            + " x_test_sp.npy, optional y_test.csv), or any field names with those file names; 'dataset' names it.")
    @APIResponse(responseCode = "200", description = "all splits committed")
    @APIResponse(
            responseCode = "400",
            description = "a file is missing or invalid; nothing was published")
    public IngestResult upload(
            @RestForm("dataset") String dataset, @RestForm(FileUpload.ALL) List<FileUpload> files) {
        String name = datasetName(dataset, "upload");
        Path dir;
        try {
            dir = Files.createTempDirectory("mmdigits-upload-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            for (FileUpload f : files == null ? List.<FileUpload>of() : files) {
                String target = FILE_NAMES.contains(f.name()) ? f.name() : f.fileName();
                if (!FILE_NAMES.contains(target)) {
                    throw ProblemException.badRequest(
                            "'"
                                    + f.name()
                                    + "' ("
                                    + f.fileName()
                                    + "): not a seed file; expected "
                                    + String.join(", ", FILE_NAMES.stream().sorted().toList()),
                            f.name());
                }
                Files.move(
                        f.uploadedFile(), dir.resolve(target), StandardCopyOption.REPLACE_EXISTING);
            }
            return failures.run(() -> ingestor.ingest(dir, name, "upload"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * The split being published now (rows so far, rate), or {@code publishing: null} when none is.
     */
    public record Progress(ProgressLog.Snapshot publishing) {}

    @GET
    @jakarta.ws.rs.Path("/progress")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The split being published now: rows so far of all, rows/s, MB/s")
    public Progress progress() {
        return new Progress(progress.current().orElse(null));
    }

    /**
     * The directory a request names, resolved with {@code toRealPath} (symbolic links followed) and
     * refused unless it is still below the real dataset root: a link inside the root cannot lead
     * out of it.
     */
    private Path directoryBelowRoot(String requested) {
        Path root;
        Path dir;
        try {
            root = config.datasetRoot().toRealPath();
        } catch (IOException e) {
            throw ProblemException.badRequest(
                    "directory: the dataset root "
                            + config.datasetRoot().toAbsolutePath()
                            + " does not exist",
                    "directory");
        }
        if (!root.resolve(requested).normalize().startsWith(root)) {
            throw ProblemException.badRequest(
                    "directory: '" + requested + "' is outside the dataset root " + root,
                    "directory");
        }
        try {
            dir = root.resolve(requested).toRealPath();
        } catch (IOException e) {
            throw ProblemException.badRequest(
                    "directory: '" + requested + "' does not exist below " + root, "directory");
        }
        if (!dir.startsWith(root)) {
            throw ProblemException.badRequest(
                    "directory: '"
                            + requested
                            + "' leads outside the dataset root "
                            + root
                            + " (to "
                            + dir
                            + ")",
                    "directory");
        }
        if (!Files.isDirectory(dir)) {
            throw ProblemException.badRequest(
                    "directory: '" + requested + "' is not a directory below " + root, "directory");
        }
        for (String name : FILE_NAMES.stream().sorted().toList()) {
            Path file = dir.resolve(name);
            if (Files.exists(file) && !realPath(file).startsWith(root)) {
                throw ProblemException.badRequest(
                        name
                                + ": a link that leads outside the dataset root "
                                + root
                                + " (to "
                                + realPath(file)
                                + ")",
                        name);
            }
        }
        return dir;
    }

    private static Path realPath(Path file) {
        try {
            return file.toRealPath();
        } catch (IOException e) {
            throw ProblemException.badRequest(
                    file.getFileName() + ": unreadable (" + e.getMessage() + ")",
                    file.getFileName().toString());
        }
    }

    private static String datasetName(String requested, String fallback) {
        if (requested != null && !requested.isBlank()) {
            if (!SampleIds.isValidDataset(requested)) {
                throw ProblemException.badRequest(
                        "dataset: must be 1-100 characters of letters, digits, '.', '_' or '-', got '"
                                + requested
                                + "'",
                        "dataset");
            }
            return requested;
        }
        return SampleIds.datasetFromName(fallback);
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
