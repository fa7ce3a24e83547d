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
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;

/**
 * The layer helper of a network's first convolution layer: DL4J's oneDNN helper computes its
 * forward pass, and its backward pass computes the weight and bias gradients only
 * ({@link InputConvolutionGradient}): DL4J's helper also computes the gradient with respect to the
 * network's input, which the network's {@code fit} then drops. The input gradient it returns is an
 * array of NaN of the input's shape, which DL4J's {@code fit} discards for the first layer (DL4J's
 * {@code calculateGradients}, which returns it, would show NaN, never plausible numbers; Averon
 * never calls it): the helper is installed only on a network's first layer, by
 * {@link #installOn}, and hands every case it does not compute (other data formats, strides,
 * asymmetric "same" padding, shapes where the swapped convolution does not come out at the
 * kernel's size) back to DL4J's helper.
 */
final class FirstConvolutionHelper implements ConvolutionHelper {

    private final ConvolutionHelper dl4jHelper;
    private final InputConvolutionGradient weightGradient = new InputConvolutionGradient();
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
        if (!InputConvolutionGradient.computes(input, delta, kernel, strides, pad, convolutionMode, dilation, format)) {
            return dl4jHelper.backpropGradient(input, weights, bias, delta, kernel, strides, pad, biasGradient,
                    weightGradView, afn, mode, bwdFilterAlgo, bwdDataAlgo, convolutionMode, dilation, format,
                    workspaceMgr);
        }
        weightGradient.compute(input, delta, kernel, strides, pad, dilation, weightGradView, biasGradient);
        if (unusedInputGradient == null || !Arrays.equals(unusedInputGradient.shape(), input.shape())) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                unusedInputGradient = Nd4j.valueArrayOf(input.shape(), Float.NaN, DataType.FLOAT);
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
}
