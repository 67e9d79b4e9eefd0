package mmdigits.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.CALLS_REAL_METHODS;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.mock;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The trainer's device against DJL's own answer, not against a copy of our rule: {@link
 * Engine#getDevices(int)} (the devices DJL's examples train on) asked for one device, for an engine
 * that sees no GPU, one, or several; and what the engine loaded here reports. The device a real run
 * reports is checked by FusionTrainerTest ({@code cpu()} on this CPU-only machine).
 */
class DevicesTest {
    /** An engine whose GPU count is {@code gpus}; every other answer is DJL's own code. */
    static Engine seeing(int gpus) {
        Engine engine = mock(Engine.class, CALLS_REAL_METHODS);
        doReturn(gpus).when(engine).getGpuCount();
        return engine;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4})
    void theTrainerPicksTheDeviceDjlOffersFirst(int gpus) {
        Engine engine = seeing(gpus);
        Device djls = engine.getDevices(1)[0];

        assertThat(Devices.choose(engine)).isEqualTo(djls);
        assertThat(djls.isGpu()).isEqualTo(gpus > 0);
    }

    @Test
    void thisMachinesEngineSeesNoGpuSoTheTrainerUsesTheCpu() {
        Engine engine = Engine.getInstance();

        assertThat(engine.getEngineName()).isEqualTo("PyTorch");
        assertThat(engine.getGpuCount())
                .as("the build carries the CPU natives; this machine has no CUDA")
                .isZero();
        assertThat(engine.getDevices()).containsExactly(Device.cpu());
        assertThat(Devices.choose(engine)).isEqualTo(Device.cpu());
        assertThat(engine.defaultDevice()).isEqualTo(Devices.choose(engine));
    }
}
