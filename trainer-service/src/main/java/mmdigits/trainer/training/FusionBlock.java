package mmdigits.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import mmdigits.common.sample.Dimensions;

/**
 * The fused model as one DJL block. Inputs: raw image [N,784] (as in the files) and raw audio
 * [N,507]; the normalisation (image / scale; audio cepstral-mean normalised per utterance, then
 * standardised with the train split's mean and std) is part of the block. Training output: logits;
 * {@link #infer} gives probabilities and the embedding (the concatenated branch features).
 * Augmentation and modality dropout happen to the samples before they reach the block ({@link
 * DigitsDataset}).
 */
public final class FusionBlock extends AbstractBlock {
    private final FusionSpec spec;
    private final Normalization norm;
    private final SequentialBlock image;
    private final SequentialBlock audio;
    private final SequentialBlock classifier;

    /** Image scale and audio mean/std, from the training split. */
    public record Normalization(float imageScale, float[] audioMean, float[] audioStd) {}

    public FusionBlock(FusionSpec spec, Normalization norm) {
        this.spec = spec;
        this.norm = norm;
        this.image = addChildBlock("image", LayerBlocks.sequential(spec.image()));
        this.audio = addChildBlock("audio", LayerBlocks.sequential(spec.audio()));
        this.classifier = addChildBlock("classifier", LayerBlocks.sequential(spec.classifier()));
    }

    public FusionSpec spec() {
        return spec;
    }

    public Normalization normalization() {
        return norm;
    }

    public SequentialBlock imageBranch() {
        return image;
    }

    public SequentialBlock audioBranch() {
        return audio;
    }

    public SequentialBlock classifierBlock() {
        return classifier;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(logitsAndEmbedding(ps, inputs, training).get(0));
    }

    /** Probabilities [N,10] and embedding [N,D], in inference mode. */
    public NDList infer(ParameterStore ps, NDList inputs) {
        NDList out = logitsAndEmbedding(ps, inputs, false);
        return new NDList(out.get(0).softmax(1), out.get(1));
    }

    private NDList logitsAndEmbedding(ParameterStore ps, NDList inputs, boolean training) {
        NDArray img = inputs.get(0);
        NDArray aud = inputs.get(1);
        NDManager m = img.getManager();
        NDArray imgN =
                img.div(norm.imageScale())
                        .reshape(-1, 1, Dimensions.IMAGE_HEIGHT, Dimensions.IMAGE_WIDTH);
        NDArray audN =
                cepstralMeanNormalised(aud)
                        .sub(m.create(norm.audioMean()))
                        .div(m.create(norm.audioStd()));
        NDArray fi = image.forward(ps, new NDList(imgN), training).singletonOrThrow();
        NDArray fa = audio.forward(ps, new NDList(audN), training).singletonOrThrow();
        NDArray embedding = fi.concat(fa, 1);
        NDArray logits = classifier.forward(ps, new NDList(embedding), training).singletonOrThrow();
        return new NDList(logits, embedding);
    }

    /**
     * Each coefficient's mean over the frames taken away, per utterance ({@link
     * mmdigits.common.audio.CepstralMean}): [N, 507] → [N, 507].
     */
    static NDArray cepstralMeanNormalised(NDArray audio) {
        NDArray frames = audio.reshape(-1, Dimensions.AUDIO_FRAMES, Dimensions.AUDIO_COEFFICIENTS);
        return frames.sub(frames.mean(new int[] {1}, true)).reshape(-1, Dimensions.AUDIO);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), Dimensions.CLASSES)};
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        long n = inputShapes[0].get(0);
        image.initialize(
                manager,
                dataType,
                new Shape(n, 1, Dimensions.IMAGE_HEIGHT, Dimensions.IMAGE_WIDTH));
        audio.initialize(manager, dataType, new Shape(n, Dimensions.AUDIO));
        classifier.initialize(manager, dataType, new Shape(n, spec.embeddingDim()));
    }
}
