package io.averon.core.model;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The weight and bias gradients of a convolution whose input gradient nobody reads (a network's
 * first layer): libnd4j's {@code conv2d_bp} always computes the input gradient as well, which for a
 * 1-channel first layer was most of the op's time (PyTorch's backward skips it for inputs that need
 * no gradient; docs/benchmarks.md).
 *
 * <p>The weight gradient {@code dW[o, c, i, j] = sum over examples b and outputs (y, x) of
 * delta[b, o, y, x] * input[b, c, y*s + i*d - p, x*s + j*d - p]} is itself a convolution of the
 * input (channels and examples swapped) with the output gradient as its kernel: one forward
 * {@code conv2d}, stride and dilation swapped. The bias gradient sums the swapped output gradient's
 * channels' columns. The output gradient goes to the swapped convolution as weights laid out
 * {@code [kH, kW, iC, oC]} (libnd4j's weight format 0): for the {@code fashion-resnet} stem's 48
 * output channels that is the very layout oneDNN's forward kernel blocks its weights into
 * ({@code Acdb48a}), so oneDNN's reorder of this large "kernel" is a plain copy rather than a
 * transposition (7.9 -> 1.2 ms per step by oneDNN's verbose timing; the permuting copy into this
 * layout costs ~3 ms more than into {@code [oC, iC, kH, kW]}). Same sums in another order, so the
 * same values to float rounding
 * ({@code FirstConvolutionHelperTest}, {@code SequentialNetworkStepTest}). Sums over the minibatch,
 * as {@code conv2d_bp}'s are. Owned by one layer (it keeps its work arrays between steps).
 */
final class InputConvolutionGradient {

    private INDArray swappedInput;
    private INDArray swappedDelta;
    private INDArray swappedGradient;

    /**
     * Whether this computes the case: float NCHW data, stride 1 (a strided layer's swapped
     * convolution is dilated, and libnd4j 1.0.0-M2.1's conv2d refused every such case tried), and
     * the swapped convolution, padded by {@code pad} on both sides, coming out exactly at the
     * kernel's size. In "same" mode ({@code pad} is DL4J's top-left padding) that holds exactly when
     * the padding is symmetric (odd kernels); Truncate mode with unused input rows fails it too.
     */
    static boolean computes(INDArray input, INDArray delta, int[] kernel, int[] strides, int[] pad,
                            ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format) {
        if (format != CNN2DFormat.NCHW || convolutionMode == ConvolutionMode.Causal
                || input.dataType() != DataType.FLOAT || delta.dataType() != DataType.FLOAT || input.rank() != 4
                || strides[0] != 1 || strides[1] != 1) { // libnd4j's conv2d refuses the swapped convolution's dilation
            return false;
        }
        for (int axis = 0; axis < 2; axis++) {
            long in = input.size(2 + axis) + 2L * pad[axis];
            long out = delta.size(2 + axis);
            long span = (out - 1) * strides[axis] + 1; // the output gradient as a kernel, dilated by the stride
            if (in < span || (in - span) % dilation[axis] != 0 || (in - span) / dilation[axis] + 1 != kernel[axis]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes the weight gradient ({@code [outputs, channels, kH, kW]}) and, unless null, the bias
     * gradient of a case {@link #computes} accepts.
     */
    void compute(INDArray input, INDArray delta, int[] kernel, int[] strides, int[] pad, int[] dilation,
                 INDArray weightGradient, INDArray biasGradient) {
        long examples = input.size(0);
        long channels = input.size(1);
        long outputs = delta.size(1);
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            if (swappedInput == null || swappedInput.size(1) != examples || swappedInput.size(0) != channels
                    || swappedInput.size(2) != input.size(2) || swappedInput.size(3) != input.size(3)
                    || swappedDelta.size(3) != outputs) {
                swappedInput = Nd4j.createUninitialized(DataType.FLOAT, channels, examples, input.size(2), input.size(3));
                swappedDelta = Nd4j.createUninitialized(DataType.FLOAT, delta.size(2), delta.size(3), examples, outputs);
                swappedGradient = Nd4j.createUninitialized(DataType.FLOAT, channels, outputs, kernel[0], kernel[1]);
            }
            swappedInput.assign(input.permute(1, 0, 2, 3));
            swappedDelta.assign(delta.permute(2, 3, 0, 1));
            // examples are the input channels and the output gradient is the kernel: stride and dilation swap
            Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(swappedInput, swappedDelta)
                    .addOutputs(swappedGradient)
                    .addIntegerArguments((int) delta.size(2), (int) delta.size(3), dilation[0], dilation[1], pad[0],
                            pad[1], strides[0], strides[1], 0, 0, 0) // not "same"; NCHW; weights [kH, kW, iC, oC]
                    .build());
            weightGradient.assign(swappedGradient.permute(1, 0, 2, 3));
            if (biasGradient != null) { // each output channel's gradients are one column of the swapped array
                biasGradient.assign(swappedDelta.reshape(-1, outputs).sum(0).reshape(biasGradient.shape()));
            }
        }
    }
}
