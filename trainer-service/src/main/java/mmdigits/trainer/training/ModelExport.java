package mmdigits.trainer.training;

import ai.djl.ndarray.NDManager;

/**
 * How a trained block leaves the trainer: written in the format that is served and checked against
 * the block on probe samples. The trainer does not know the format: the {@code onnx} package's
 * {@code ExportGate} is the export in use, so the arrow runs from {@code onnx} to {@code training}.
 */
@FunctionalInterface
public interface ModelExport {
    /**
     * The block written and verified.
     *
     * @throws TrainingException when the export differs from the block or does not run (nothing may
     *     be released)
     */
    Verified export(FusionBlock block, NDManager manager, Probe probe);

    /** Samples to compare on: {@code n} raw images [n·784] and MFCC [n·507]. */
    record Probe(float[] images, float[] audio, int n) {}

    /** An export that passed: its bytes and the largest differences found. */
    record Verified(byte[] bytes, double probabilityDelta, double embeddingDelta) {}
}
