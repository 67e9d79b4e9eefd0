package mmdigits.trainer.training;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import java.util.List;

/** DJL blocks for a list of {@link Layer}s: child i of the sequential block is layer i. */
public final class LayerBlocks {
    private LayerBlocks() {}

    public static SequentialBlock sequential(List<Layer> layers) {
        SequentialBlock b = new SequentialBlock();
        for (Layer layer : layers) {
            b.add(block(layer));
        }
        return b;
    }

    static Block block(Layer layer) {
        if (layer instanceof Layer.Conv c) {
            return Conv2d.builder()
                    .setKernelShape(new Shape(c.kernel(), c.kernel()))
                    .setFilters(c.outChannels())
                    .optPadding(new Shape(c.padding(), c.padding()))
                    .optStride(new Shape(1, 1))
                    .build();
        } else if (layer instanceof Layer.BatchNorm n) {
            return BatchNorm.builder()
                    .optAxis(1)
                    .optEpsilon(n.epsilon())
                    .optMomentum(n.momentum())
                    .build();
        } else if (layer instanceof Layer.Relu) {
            return Activation.reluBlock();
        } else if (layer instanceof Layer.MaxPool p) {
            return Pool.maxPool2dBlock(
                    new Shape(p.size(), p.size()), new Shape(p.size(), p.size()));
        } else if (layer instanceof Layer.Flatten) {
            return Blocks.batchFlattenBlock();
        } else if (layer instanceof Layer.Dense d) {
            return Linear.builder().setUnits(d.out()).build();
        } else if (layer instanceof Layer.Dropout d) {
            return Dropout.builder().optRate(d.rate()).build();
        }
        throw new IllegalArgumentException("unknown layer " + layer);
    }
}
