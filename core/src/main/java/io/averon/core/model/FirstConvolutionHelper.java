package io.averon.core.model;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;

/**
 * The layer helper of a network's first convolution layer: DL4J's oneDNN helper computes its
 * forward pass, and its backward pass computes the weight and bias gradients only. DL4J's helper
 * also computes the gradient with respect to the network's input (its {@code conv2d_bp} op has no
 * way to leave it out), which the network's {@code fit} then drops: for the {@code cnn} preset's
 * 1-channel first layer that input gradient was most of the op's time (PyTorch's backward skips it
 * for inputs that need no gradient; docs/benchmarks.md).
 *
 * <p>The weight gradient {@code dW[o, c, i, j] = sum over examples b and outputs (y, x) of
 * delta[b, o, y, x] * input[b, c, y*s + i*d - p, x*s + j*d - p]} is itself a convolution of the
 * input (channels and examples swapped) with the output gradient as its kernel: one forward
 * {@code conv2d} of oneDNN, stride and dilation swapped. Same sums in another order, so the same
 * values to float rounding ({@code FirstConvolutionHelperTest}). The input gradient it returns is an
 * array of NaN of the input's shape, which DL4J's {@code fit} discards for the first layer (DL4J's
 * {@code calculateGradients}, which returns it, would show NaN, never plausible numbers; Averon
 * never calls it): the helper is installed only on a network's first layer, by
 * {@link #installOn}, and hands every case it does not compute (other data formats, strides,
 * asymmetric "same" padding, shapes where the swapped convolution does not come out at the
 * kernel's size) back to DL4J's helper.
 */
final class FirstConvolutionHelper implements ConvolutionHelper {

    private final ConvolutionHelper dl4jHelper;
    private INDArray swappedInput;
    private INDArray swappedDelta;
    private INDArray swappedGradient;
    private INDArray unusedInputGradient;
    private long backwardPasses;

    private FirstConvolutionHelper(ConvolutionHelper dl4jHelper) {
        this.dl4jHelper = dl4jHelper;
    }

    /**
     * Puts this helper on {@code layer}, the first layer of a network trained through DL4J's
     * {@code fit} (which discards the first layer's input gradient), if it runs DL4J's oneDNN
     * helper; returns the helper installed, or null.
     */
    static FirstConvolutionHelper installOn(ConvolutionLayer layer) {
        return HelperSlot.install(layer, ConvolutionLayer.class, FirstConvolutionHelper.class,
                org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper.class, FirstConvolutionHelper::new);
    }

    /** Backward passes computed here (tests check the helper really ran). */
    long backwardPasses() {
        return backwardPasses;
    }

    @Override
    public boolean checkSupported() {
        return dl4jHelper.checkSupported();
    }

    @Override
    public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
                              AlgoMode mode, FwdAlgo fwdAlgo,
                              ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        return dl4jHelper.preOutput(input, weights, bias, kernel, strides, pad, mode, fwdAlgo, convolutionMode,
                dilation, format, workspaceMgr);
    }

    @Override
    public INDArray activate(INDArray z, IActivation afn, boolean training) {
        return dl4jHelper.activate(z, afn, training);
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return dl4jHelper.helperMemoryUse();
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta,
                                                     int[] kernel, int[] strides, int[] pad, INDArray biasGradView,
                                                     INDArray weightGradView, IActivation afn,
                                                     AlgoMode mode,
                                                     BwdFilterAlgo bwdFilterAlgo,
                                                     BwdDataAlgo bwdDataAlgo,
                                                     ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        // a layer without bias: DL4J hands a helper that is not its oneDNN one a dummy bias gradient to fill
        INDArray biasGradient = bias == null ? null : biasGradView;
        if (!computesHere(input, delta, kernel, strides, pad, convolutionMode, dilation, format)) {
            return dl4jHelper.backpropGradient(input, weights, bias, delta, kernel, strides, pad, biasGradient,
                    weightGradView, afn, mode, bwdFilterAlgo, bwdDataAlgo, convolutionMode, dilation, format,
                    workspaceMgr);
        }
        long examples = input.size(0);
        long channels = input.size(1);
        long outputs = delta.size(1);
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            if (unusedInputGradient == null || !Arrays.equals(unusedInputGradient.shape(), input.shape())) {
                swappedInput = Nd4j.createUninitialized(DataType.FLOAT, channels, examples, input.size(2), input.size(3));
                swappedDelta = Nd4j.createUninitialized(DataType.FLOAT, outputs, examples, delta.size(2), delta.size(3));
                swappedGradient = Nd4j.createUninitialized(DataType.FLOAT, channels, outputs, kernel[0], kernel[1]);
                unusedInputGradient = Nd4j.valueArrayOf(input.shape(), Float.NaN, DataType.FLOAT);
            }
            swappedInput.assign(input.permute(1, 0, 2, 3));
            swappedDelta.assign(delta.permute(1, 0, 2, 3));
            // examples are the input channels and the output gradient is the kernel: stride and dilation swap
            Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(swappedInput, swappedDelta)
                    .addOutputs(swappedGradient)
                    .addIntegerArguments((int) delta.size(2), (int) delta.size(3), dilation[0], dilation[1], pad[0],
                            pad[1], strides[0], strides[1], 0, 0, 1) // not "same"; NCHW; weights [oC, iC, kH, kW]
                    .build());
            weightGradView.assign(swappedGradient.permute(1, 0, 2, 3));
            if (biasGradient != null) {
                biasGradient.assign(delta.sum(0, 2, 3).reshape(biasGradient.shape()));
            }
        }
        backwardPasses++;
        Gradient gradient = new DefaultGradient();
        if (biasGradient != null) {
            gradient.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGradient);
        }
        gradient.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView);
        return new Pair<>(gradient, unusedInputGradient);
    }

    /**
     * Whether this helper computes the case: float NCHW data, stride 1 (a strided layer's swapped
     * convolution is dilated, and libnd4j 1.0.0-M2.1's conv2d refused every such case tried), and
     * the swapped convolution, padded by {@code pad} on both sides, coming out exactly at the
     * kernel's size. In "same" mode ({@code pad} is DL4J's top-left padding) that holds exactly when
     * the padding is symmetric (odd kernels); Truncate mode with unused input rows fails it too.
     */
    private static boolean computesHere(INDArray input, INDArray delta, int[] kernel, int[] strides, int[] pad,
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
}
