package mmdigits.inference.rest;

import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import mmdigits.common.audio.AudioFrontEnd;
import mmdigits.common.audio.InvalidAudioException;
import mmdigits.common.rest.ProblemException;
import mmdigits.inference.Instance;
import mmdigits.inference.InvalidInputException;
import mmdigits.inference.config.InferenceConfig;
import mmdigits.inference.image.ImageFrontEnd;
import mmdigits.inference.model.Scores;
import mmdigits.inference.scoring.Scorer;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

@Path("/api/predictions")
@Tag(
        name = "predictions",
        description = "Recognise a digit from its image and/or its spoken recording")
public class PredictionResource {
    /** The header whose value keeps a caller on one version during a canary. */
    public static final String REQUEST_ID_HEADER = "X-Request-Id";

    private static final String REQUEST_ID =
            "the caller's request id: during a canary the same id always gets the same version";

    private final Scorer scorer;
    private final InferenceConfig config;

    public PredictionResource(Scorer scorer, InferenceConfig config) {
        this.scorer = scorer;
        this.config = config;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Predict from raw values",
            description =
                    "{\"image\":[784 numbers],\"audio\":[507 numbers]} or {\"instances\":[{...},...]}; raw values as in the seed "
                            + "files. Either modality may be omitted; the response says which were used.")
    @APIResponse(
            responseCode = "200",
            description = "the prediction (or one per instance, in order)")
    @APIResponse(
            responseCode = "400",
            description = "wrong length, non-finite number or malformed JSON (the field is named)")
    @APIResponse(
            responseCode = "413",
            description = "the body is larger than quarkus.http.limits.max-body-size")
    @APIResponse(responseCode = "404", description = "the model or version asked for is not served")
    @APIResponse(responseCode = "503", description = "no model is loaded yet")
    public CompletionStage<Object> predict(
            PredictRequest body,
            @Parameter(description = "also return the fused embedding") @QueryParam("embedding")
                    boolean embedding,
            @Parameter(description = "a registered model name (default: the alias, 'digits')")
                    @QueryParam("model")
                    String model,
            @Parameter(
                            description =
                                    "a loaded version (default: the name's newest, or the alias' target)")
                    @QueryParam("version")
                    String version,
            @Parameter(description = REQUEST_ID) @HeaderParam(REQUEST_ID_HEADER) String requestId) {
        if (body == null) {
            throw new InvalidInputException(
                    "body",
                    "body: expected {\"image\":[...],\"audio\":[...]} or {\"instances\":[...]}");
        }
        if (body.instances() != null) {
            if (body.image() != null || body.audio() != null) {
                throw new InvalidInputException(
                        "instances",
                        "instances: give either 'instances' or a single 'image'/'audio', not both");
            }
            scorer.checkCount(body.instances().size(), "instances");
            List<Instance> xs = new ArrayList<>(body.instances().size());
            for (int i = 0; i < body.instances().size(); i++) {
                PredictRequest.Item item = body.instances().get(i);
                if (item == null) {
                    throw new InvalidInputException(
                            "instances[" + i + "]", "instances[" + i + "]: null");
                }
                xs.add(new Instance(item.image(), item.audio()).validate("instances[" + i + "]"));
            }
            return scorer.submit(model, version, xs, "json", requestId)
                    .thenApply(
                            s ->
                                    new PredictionResponse.Batch(
                                            s.modelVersion(), responses(xs, s, embedding)));
        }
        Instance x = new Instance(body.image(), body.audio()).validate("");
        return scorer.submit(model, version, List.of(x), "json", requestId)
                .thenApply(s -> response(x, s, 0, embedding, true));
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    @Operation(
            summary = "Predict from files",
            description =
                    "Form fields 'image' (PNG or JPEG of any size; prepared like MNIST: grayscale, white digit on black, "
                            + "centred in 28x28) and/or 'audio' (a WAV file, through the same front end as the demo data: 16 kHz, 1 s, 39x13 MFCC).")
    @APIResponse(responseCode = "200", description = "the prediction")
    @APIResponse(responseCode = "400", description = "unreadable image or audio, or neither given")
    @APIResponse(responseCode = "503", description = "no model is loaded yet")
    public CompletionStage<PredictionResponse> predictFiles(
            @RestForm("image") FileUpload image,
            @RestForm("audio") FileUpload audio,
            @Parameter(description = "also return the fused embedding") @QueryParam("embedding")
                    boolean embedding,
            @Parameter(description = "a registered model name (default: the alias)")
                    @QueryParam("model")
                    String model,
            @Parameter(description = "a loaded version") @QueryParam("version") String version,
            @Parameter(description = REQUEST_ID) @HeaderParam(REQUEST_ID_HEADER) String requestId) {
        float[] img =
                image == null
                        ? null
                        : ImageFrontEnd.fromBytes(
                                bytes(image, "image"),
                                "image",
                                new ImageFrontEnd.Limits(
                                        config.http().maxImagePixels(),
                                        config.http().maxImageSourcePixels()));
        float[] aud = null;
        if (audio != null) {
            try {
                aud =
                        AudioFrontEnd.fromWav(
                                bytes(audio, "audio"), "audio", config.http().maxAudioSeconds());
            } catch (InvalidAudioException e) {
                throw new InvalidInputException(
                        "audio", e.getMessage(), e); // "audio: <the problem>"
            }
        }
        Instance x = new Instance(img, aud).validate("");
        return scorer.submit(model, version, List.of(x), "multipart", requestId)
                .thenApply(s -> response(x, s, 0, embedding, true));
    }

    private PredictionResponse response(
            Instance x, Scores s, int row, boolean embedding, boolean withVersion) {
        return new PredictionResponse(
                s.label(row),
                s.probabilities(row),
                x.modalities(),
                scorer.note(x, s.modelVersion()),
                withVersion ? s.modelVersion() : null,
                embedding ? s.embedding(row) : null);
    }

    private List<PredictionResponse> responses(List<Instance> xs, Scores s, boolean embedding) {
        List<PredictionResponse> out = new ArrayList<>(xs.size());
        for (int i = 0; i < xs.size(); i++) {
            out.add(response(xs.get(i), s, i, embedding, false));
        }
        return out;
    }

    private static byte[] bytes(FileUpload upload, String field) {
        try {
            return Files.readAllBytes(upload.uploadedFile());
        } catch (IOException e) {
            throw ProblemException.badRequest(
                    field + ": could not read the upload: " + e.getMessage(), field);
        }
    }
}
