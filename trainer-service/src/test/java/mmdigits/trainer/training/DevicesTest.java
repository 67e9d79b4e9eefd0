package mmdigits.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;

class DevicesTest {
    @Test
    void theFirstGpuWhenThereIsOneElseTheCpu() {
        assertThat(Devices.forGpuCount(0)).isEqualTo(Device.cpu());
        assertThat(Devices.forGpuCount(1)).isEqualTo(Device.gpu(0));
        assertThat(Devices.forGpuCount(4)).isEqualTo(Device.gpu(0));
    }

    @Test
    void thisMachineTrainsOnWhatItsEngineSees() {
        Engine engine = Engine.getInstance();
        assertThat(Devices.choose(engine))
                .isEqualTo(engine.getGpuCount() > 0 ? Device.gpu(0) : Device.cpu());
    }
}
