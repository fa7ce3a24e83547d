package io.averon.core.model;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;

/**
 * A layer's activation and its gradient, for the dense and convolution stages of
 * {@link SequentialNetworkStep} alike. A plain ReLU (DL4J's, without a cap, threshold or slope) runs
 * as ND4J ops bound once to the stage's arrays ({@link BoundOp}): its forward pass in one pass out
 * of place, its gradient (epsilon where z is positive, else 0) as a Step and a multiply, two
 * vectorised passes, where libnd4j's {@code relu_bp} goes element by element through a function
 * object (the same values but for the sign of zeros). Any other activation goes through DL4J's own
 * {@code getActivation} and {@code backprop}. One per stage; owned by its thread.
 */
final class LayerActivation implements AutoCloseable {

    private final IActivation activation;
    private final boolean plainRelu;
    private BoundOp relu;
    private INDArray reluInput;
    private INDArray reluOutput;
    private BoundOp step;
    private BoundOp multiply;
    private INDArray gradientInput;
    private INDArray gradientOutput;

    LayerActivation(IActivation activation) {
        this.activation = activation;
        this.plainRelu = isPlainRelu(activation);
    }

    /** DL4J's ReLU without a cap, threshold or slope (not a subclass of it). */
    static boolean isPlainRelu(IActivation activation) {
        return activation.getClass() == ActivationReLU.class && ((ActivationReLU) activation).getMax() == null
                && ((ActivationReLU) activation).getThreshold() == null
                && ((ActivationReLU) activation).getNegativeSlope() == null;
    }

    /** {@code activation(z)} written to {@code into} and returned; {@code z} is kept for the backward pass. */
    INDArray forward(INDArray z, INDArray into) {
        if (!plainRelu) {
            into.assign(z);
            return activation.getActivation(into, true);
        }
        if (relu == null || reluInput != z || reluOutput != into) {
            BoundOp.release(relu);
            relu = BoundOp.of(new RectifiedLinear(z, into)); // DL4J's ReLU's op, out of place
            reluInput = z;
            reluOutput = into;
        }
        relu.run();
        return into;
    }

    /**
     * dL/dz from {@code epsilon} = dL/d(activation(z)), written to {@code into} for a ReLU; any other
     * activation through DL4J's backprop, which may overwrite {@code z} and returns its own array.
     */
    INDArray gradient(INDArray z, INDArray epsilon, INDArray into) {
        if (!plainRelu) {
            return activation.backprop(z, epsilon).getFirst();
        }
        if (step == null || gradientInput != z || gradientOutput != into) {
            BoundOp.release(step);
            BoundOp.release(multiply);
            step = BoundOp.of(new Step(z, into, 0.0));
            multiply = BoundOp.of(new MulOp(into, epsilon, into));
            gradientInput = z;
            gradientOutput = into;
        }
        step.run();
        multiply.input(1, epsilon).run();
        return into;
    }

    @Override
    public void close() {
        BoundOp.release(relu);
        BoundOp.release(step);
        BoundOp.release(multiply);
        relu = step = multiply = null;
    }
}
