package mmdigits.trainer.training;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Where training runs: the first GPU when the engine sees one, else the CPU. */
public final class Devices {
    private Devices() {}

    /** The device for {@code gpuCount} visible GPUs. */
    public static Device forGpuCount(int gpuCount) {
        return gpuCount > 0 ? Device.gpu(0) : Device.cpu();
    }

    /** The device for the engine DJL loaded (PyTorch, with CUDA when the CUDA build is used). */
    public static Device choose(Engine engine) {
        return forGpuCount(engine.getGpuCount());
    }
}
