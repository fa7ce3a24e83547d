package io.averon.core.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;

import static io.averon.core.model.SequentialNetworkStep.plain;
import static io.averon.core.model.SequentialNetworkStep.sized;

/**
 * The stages of {@link SequentialNetworkStep} for image layers: convolutions, poolings and the
 * reshapes between image and flat layers, each through the libnd4j operations (and arguments) DL4J's
 * layers run.
 */
final class ImageStages {

    private ImageStages() {
    }

    /**
     * DL4J's reshapes between image and flat layers ({@code FeedForwardToCnnPreProcessor},
     * {@code CnnToFeedForwardPreProcessor}, channels first): a c-order reshape each way, as DL4J's;
     * an input already in the target's rank passes through, as in DL4J.
     */
    static final class Reshaping implements SequentialNetworkStep.Stage {
        /** An example's shape after the reshape: [c, h, w] into an image layer, [c*h*w] into a flat one. */
        final long[] target;
        /** An example's shape before it. */
        final long[] source;
        long[] inputShape;

        private Reshaping(long[] source, long[] target) {
            this.source = source;
            this.target = target;
        }

        /**
         * The stage for DL4J's {@code preprocessor}, or null if it is another one or does not know
         * its image's shape yet (a preprocessor made without one learns it from its first input).
         */
        static Reshaping of(InputPreProcessor preprocessor) {
            long[] image;
            boolean intoImages;
            if (preprocessor.getClass() == FeedForwardToCnnPreProcessor.class) {
                FeedForwardToCnnPreProcessor f = (FeedForwardToCnnPreProcessor) preprocessor;
                image = new long[] {f.getNumChannels(), f.getInputHeight(), f.getInputWidth()};
                intoImages = true;
            } else if (preprocessor.getClass() == CnnToFeedForwardPreProcessor.class
                    && ((CnnToFeedForwardPreProcessor) preprocessor).getFormat() == CNN2DFormat.NCHW) {
                CnnToFeedForwardPreProcessor c = (CnnToFeedForwardPreProcessor) preprocessor;
                image = new long[] {c.getNumChannels(), c.getInputHeight(), c.getInputWidth()};
                intoImages = false;
            } else {
                return null;
            }
            if (image[0] <= 0 || image[1] <= 0 || image[2] <= 0) {
                return null;
            }
            long[] row = {image[0] * image[1] * image[2]};
            return intoImages ? new Reshaping(row, image) : new Reshaping(image, row);
        }

        /** Whether {@code features} are examples of the source or target shape. */
        boolean accepts(INDArray features) {
            long[] example = Arrays.copyOfRange(features.shape(), 1, features.rank());
            return Arrays.equals(example, source) || Arrays.equals(example, target);
        }

        @Override
        public void allocate(int rows) {
        }

        @Override
        public INDArray forward(INDArray input) {
            inputShape = input.shape();
            if (input.rank() == target.length + 1) {
                return input;
            }
            long[] shape = new long[target.length + 1];
            shape[0] = input.size(0);
            System.arraycopy(target, 0, shape, 1, target.length);
            return inCOrder(input).reshape('c', shape);
        }

        @Override
        public INDArray backward(INDArray epsilon) {
            if (epsilon == null) {
                return null;
            }
            return inCOrder(epsilon).reshape('c', inputShape);
        }

        /** {@code array} itself if its values lie in c order, else a c-order copy (DL4J's reshapes copy so too). */
        private static INDArray inCOrder(INDArray array) {
            return array.ordering() == 'c' && Shape.hasDefaultStridesForShape(array) ? array : array.dup('c');
        }
    }

    /**
     * A convolution layer (channels first) through libnd4j's {@code conv2d} and {@code conv2d_bp},
     * with the arguments DL4J's oneDNN helper gives them; the first layer's backward pass computes no
     * input gradient ({@link InputConvolutionGradient}).
     */
    static final class Convolving implements SequentialNetworkStep.Stage {
        final INDArray weights;
        final INDArray bias;
        final INDArray weightGradient;
        final INDArray biasGradient;
        final LayerActivation activation;
        final int[] kernel;
        final int[] strides;
        final int[] padding;
        final int[] dilation;
        final ConvolutionMode mode;
        /** The first layer's weight and bias gradients without an input gradient; null on other layers. */
        final InputConvolutionGradient inputless;
        INDArray input;
        INDArray preActivations;
        INDArray activations;
        INDArray delta;
        INDArray inputGradient;
        int[] pad;

        Convolving(Layer layer, ConvolutionLayer conf, boolean first) {
            this.weights = layer.getParam(ConvolutionParamInitializer.WEIGHT_KEY);
            this.bias = layer.getParam(ConvolutionParamInitializer.BIAS_KEY);
            Map<String, INDArray> gradients = ConvolutionParamInitializer.getInstance()
                    .getGradientsFromFlattened(layer.conf(), layer.getGradientsViewArray());
            this.weightGradient = gradients.get(ConvolutionParamInitializer.WEIGHT_KEY);
            this.biasGradient = gradients.get(ConvolutionParamInitializer.BIAS_KEY);
            this.activation = new LayerActivation(conf.getActivationFn());
            this.kernel = conf.getKernelSize();
            this.strides = conf.getStride();
            this.padding = conf.getPadding();
            this.dilation = conf.getDilation();
            this.mode = conf.getConvolutionMode();
            this.inputless = first ? new InputConvolutionGradient() : null;
        }

        static boolean takes(ConvolutionLayer conf) {
            return plain(conf) && conf.hasBias() && conf.getCnn2dDataFormat() == CNN2DFormat.NCHW
                    && conf.getConvolutionMode() != ConvolutionMode.Causal;
        }

        @Override
        public void allocate(int rows) {
        }

        @Override
        public INDArray forward(INDArray in) {
            input = in;
            boolean same = mode == ConvolutionMode.Same;
            int[] out = ConvolutionUtils.getOutputSize(in, kernel, strides, same ? null : padding, mode, dilation,
                    CNN2DFormat.NCHW);
            pad = same ? ConvolutionUtils.getSameModeTopLeftPadding(out, new int[] {(int) in.size(2), (int) in.size(3)},
                    kernel, strides, dilation) : padding;
            long[] shape = {in.size(0), weights.size(0), out[0], out[1]};
            preActivations = sized(preActivations, shape);
            activations = sized(activations, shape);
            Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(in, weights, bias).addOutputs(preActivations)
                    .addIntegerArguments(arguments()).build());
            return activation.forward(preActivations, activations);
        }

        /** DL4J's oneDNN helper's: kernel, strides, padding, dilation, "same", NCHW, weights [oC, iC, kH, kW]. */
        private int[] arguments() {
            return new int[] {kernel[0], kernel[1], strides[0], strides[1], pad[0], pad[1], dilation[0], dilation[1],
                mode == ConvolutionMode.Same ? 1 : 0, 0, 1};
        }

        @Override
        public INDArray backward(INDArray epsilon) {
            delta = sized(delta, preActivations.shape());
            INDArray dz = activation.gradient(preActivations, epsilon, delta);
            INDArray result = null;
            if (inputless != null && InputConvolutionGradient.computes(input, dz, kernel, strides, pad, mode, dilation,
                    CNN2DFormat.NCHW)) {
                inputless.compute(input, dz, kernel, strides, pad, dilation, weightGradient, biasGradient);
            } else {
                inputGradient = sized(inputGradient, input.shape());
                Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(input, weights, bias, dz)
                        .addOutputs(inputGradient, weightGradient, biasGradient).addIntegerArguments(arguments())
                        .build());
                result = inputless != null ? null : inputGradient;
            }
            // summed over the minibatch; DL4J's updater divides by its size, as here
            weightGradient.divi(input.size(0));
            biasGradient.divi(input.size(0));
            return result;
        }
    }

    /** A max or average pooling layer (channels first), through the libnd4j ops and arguments DL4J's layer uses. */
    static final class Pooling implements SequentialNetworkStep.Stage {
        final String op;
        final int extra;
        final int[] kernel;
        final int[] strides;
        final int[] padding;
        final int[] dilation;
        final boolean same;
        INDArray input;
        INDArray output;
        INDArray inputGradient;

        Pooling(SubsamplingLayer conf) {
            this.op = conf.getPoolingType() == PoolingType.MAX ? "maxpool2d" : "avgpool2d";
            this.extra = conf.getPoolingType() == PoolingType.AVG && conf.isAvgPoolIncludePadInDivisor() ? 1 : 0;
            this.kernel = conf.getKernelSize();
            this.strides = conf.getStride();
            this.padding = conf.getPadding();
            this.dilation = conf.getDilation();
            this.same = conf.getConvolutionMode() == ConvolutionMode.Same;
        }

        static boolean takes(SubsamplingLayer conf) {
            return (conf.getPoolingType() == PoolingType.MAX || conf.getPoolingType() == PoolingType.AVG)
                    && conf.getCnn2dDataFormat() == CNN2DFormat.NCHW
                    && conf.getConvolutionMode() != ConvolutionMode.Causal;
        }

        @Override
        public void allocate(int rows) {
        }

        @Override
        public INDArray forward(INDArray in) {
            DynamicCustomOp pooling = DynamicCustomOp.builder(op).addInputs(in).addIntegerArguments(arguments(padding))
                    .build();
            if (output == null || input == null || !Arrays.equals(input.shape(), in.shape())) {
                output = Nd4j.createUninitialized(DataType.FLOAT, pooling.calculateOutputShape().get(0).getShape());
            }
            input = in;
            pooling.addOutputArgument(output);
            Nd4j.exec(pooling);
            return output;
        }

        private int[] arguments(int[] pad) {
            return new int[] {kernel[0], kernel[1], strides[0], strides[1], pad[0], pad[1], dilation[0], dilation[1],
                same ? 1 : 0, extra, 0}; // NCHW
        }

        @Override
        public INDArray backward(INDArray epsilon) {
            int[] pad = same ? ConvolutionUtils.getSameModeTopLeftPadding(
                    new int[] {(int) epsilon.size(2), (int) epsilon.size(3)},
                    new int[] {(int) input.size(2), (int) input.size(3)}, kernel, strides, dilation) : padding;
            inputGradient = sized(inputGradient, input.shape());
            Nd4j.exec(DynamicCustomOp.builder(op + "_bp").addInputs(input, epsilon).addOutputs(inputGradient)
                    .addIntegerArguments(arguments(pad)).build());
            return inputGradient;
        }
    }
}
