package io.averon.core.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.api.OptimizationAlgorithm;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.stepfunctions.NegativeGradientStepFunction;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarSet;
import org.nd4j.linalg.api.ops.random.impl.DropOutInverted;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One training step of a plain sequential network (DL4J {@code DenseLayer}s, {@code DropoutLayer}s,
 * {@code ConvolutionLayer}s, max or average {@code SubsamplingLayer}s, the reshapes between image
 * and flat layers, and one {@code OutputLayer}: the {@code mlp}, {@code cnn}, {@code logistic} and
 * {@code linear} presets), computed with the same ND4J operations DL4J's
 * {@code MultiLayerNetwork.fit} runs, minus what it does twice or for nothing: it keeps each
 * layer's pre-activations instead of multiplying the weights again in the backward pass, skips the
 * input gradient of the first layer ({@link InputConvolutionGradient} for a convolution), reuses
 * its activation and gradient arrays between steps and runs its operations on them through native
 * contexts bound once ({@link BoundOp}: ND4J's per-call set-up cost more than a small layer's
 * arithmetic), computes a ReLU's gradient in two vectorised passes instead of libnd4j's
 * element-by-element {@code relu_bp} ({@link LayerActivation}), and applies the updater blocks to
 * DL4J's own gradient view directly. Parameters, gradients and updater state are DL4J's arrays, so
 * everything that reads the network (averaging, checkpoints, scoring) sees no difference. Its
 * products are the same sums as DL4J's in another BLAS call order (results in c order, which
 * OpenBLAS computes about twice as fast here), so without dropout it trains as DL4J does to float
 * rounding ({@code SequentialNetworkStepTest}); its runs are as deterministic as DL4J's.
 *
 * <p>{@link #forNetwork} returns null for anything else (other layers and reshapes, frozen
 * layers, regularisation, weight noise, constraints, gradient normalisation, listeners, layer-level
 * dropout, non-float data, channels-last images, line-search optimisers and other step functions),
 * and such networks train through DL4J's own {@code fit}. Owned by one thread.
 */
final class SequentialNetworkStep {

    private final MultiLayerNetwork network;
    private final List<Stage> stages;
    private final List<UpdaterBlock> updaterBlocks;
    private int rows = -1;
    private long steps;
    private BoundOp subtract;
    private INDArray boundParams;
    private INDArray boundUpdate;

    private SequentialNetworkStep(MultiLayerNetwork network, List<Stage> stages) {
        this.network = network;
        this.stages = stages;
        this.updaterBlocks = ((BaseMultiLayerUpdater<?>) network.getUpdater()).getUpdaterBlocks();
    }

    /** The step for {@code network}, or null if it has anything this step does not compute as DL4J does. */
    static SequentialNetworkStep forNetwork(MultiLayerNetwork network) {
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations();
        if (conf.getDataType() != DataType.FLOAT || conf.getBackpropType() != BackpropType.Standard
                || !network.getListeners().isEmpty() || !network.conf().isMiniBatch()
                || network.conf().getOptimizationAlgo() != OptimizationAlgorithm.STOCHASTIC_GRADIENT_DESCENT
                || !(network.conf().getStepFunction() == null
                     || network.conf().getStepFunction().getClass() == NegativeGradientStepFunction.class)) {
            return null; // also: DL4J's line-search optimisers (LBFGS, conjugate gradient) and other step functions
        }
        network.getUpdater(); // builds the updater and, with it, the layers' gradient views
        Layer[] layers = network.getLayers();
        List<Stage> stages = new ArrayList<>();
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] instanceof BaseWrapperLayer) {
                return null; // a frozen layer (transfer learning) or another wrapper around the configured layer
            }
            org.deeplearning4j.nn.conf.layers.Layer layerConf = layers[i].conf().getLayer();
            boolean last = i == layers.length - 1;
            InputPreProcessor reshape = conf.getInputPreProcess(i);
            if (reshape != null) {
                ImageStages.Reshaping reshaping = ImageStages.Reshaping.of(reshape);
                if (reshaping == null) {
                    return null;
                }
                stages.add(reshaping);
            }
            if (!last && layerConf.getClass() == ConvolutionLayer.class
                    && ImageStages.Convolving.takes((ConvolutionLayer) layerConf)) {
                stages.add(new ImageStages.Convolving(layers[i], (ConvolutionLayer) layerConf, i == 0));
            } else if (!last && layerConf.getClass() == SubsamplingLayer.class
                    && ImageStages.Pooling.takes((SubsamplingLayer) layerConf)) {
                stages.add(new ImageStages.Pooling((SubsamplingLayer) layerConf));
            } else if (!last && layerConf.getClass() == DenseLayer.class && plain((DenseLayer) layerConf)
                    && ((DenseLayer) layerConf).hasBias() && !((DenseLayer) layerConf).hasLayerNorm()) {
                stages.add(new Affine(network, layers[i], ((DenseLayer) layerConf).getActivationFn(), null, i == 0));
            } else if (!last && layerConf.getClass() == DropoutLayer.class
                    && layerConf.getIDropout() instanceof Dropout d && d.getClass() == Dropout.class
                    && d.getPSchedule() == null) {
                stages.add(new Dropping(d.getP()));
            } else if (last && layerConf.getClass() == OutputLayer.class && plain((OutputLayer) layerConf)
                    && ((OutputLayer) layerConf).hasBias()) {
                stages.add(new Affine(network, layers[i], ((OutputLayer) layerConf).getActivationFn(),
                        ((OutputLayer) layerConf).getLossFn(), i == 0));
            } else {
                return null;
            }
        }
        Stage first = stages.get(stages.get(0) instanceof ImageStages.Reshaping ? 1 : 0); // not input dropout
        return first instanceof Affine || first instanceof ImageStages.Convolving
                ? new SequentialNetworkStep(network, stages) : null;
    }

    /** DL4J's default probability clipping in MCXENT's log-loss. */
    private static final double SOFTMAX_CLIP = 1e-10;

    private static boolean contiguousFloats(INDArray array) {
        return array.dataType() == DataType.FLOAT && array.ordering() == 'c' && array.elementWiseStride() == 1
                && !array.isView();
    }

    static boolean plain(BaseLayer conf) {
        return conf.getIDropout() == null && conf.getWeightNoise() == null
                && (conf.getConstraints() == null || conf.getConstraints().isEmpty())
                && (conf.getRegularization() == null || conf.getRegularization().isEmpty())
                && (conf.getRegularizationBias() == null || conf.getRegularizationBias().isEmpty())
                && (conf.getGradientNormalization() == null || conf.getGradientNormalization() == GradientNormalization.None);
    }

    /**
     * Whether this step takes these arrays: float minibatches, labels as rows of the output's width,
     * features as rows of the first layer's width, or images of its channels (NCHW).
     */
    boolean accepts(INDArray features, INDArray labels) {
        if (labels.rank() != 2 || features.dataType() != DataType.FLOAT || labels.dataType() != DataType.FLOAT
                || features.size(0) != labels.size(0) || features.size(0) > Integer.MAX_VALUE
                || labels.size(1) != ((Affine) stages.get(stages.size() - 1)).weights.size(1)) {
            return false;
        }
        Stage first = stages.get(0);
        if (first instanceof ImageStages.Reshaping reshaping) {
            return reshaping.accepts(features);
        }
        return first instanceof ImageStages.Convolving convolving
                ? features.rank() == 4 && features.size(1) == convolving.weights.size(1)
                : features.rank() == 2 && features.size(1) == ((Affine) first).weights.size(0);
    }

    /** One optimisation step; the loss goes to the network's score, as DL4J's fit leaves it. */
    void fit(INDArray features, INDArray labels) {
        int batch = (int) features.size(0);
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            if (batch != rows) {
                for (Stage stage : stages) {
                    stage.allocate(batch);
                }
                rows = batch;
            }
            INDArray activations = features;
            for (Stage stage : stages) {
                activations = stage.forward(activations);
            }
            Affine output = (Affine) stages.get(stages.size() - 1);
            INDArray epsilon = output.lossAndGradient(labels); // sets the network's score, as DL4J's fit leaves it
            for (int i = stages.size() - 1; i >= 0; i--) {
                epsilon = stages.get(i).backward(epsilon);
            }
            int iteration = network.getIterationCount();
            int epoch = network.getEpochCount();
            INDArray gradient = network.getFlattenedGradients(); // already averaged over the minibatch
            for (UpdaterBlock block : updaterBlocks) {
                block.update(iteration, epoch);
            }
            applyUpdate(network.params(), gradient);
            network.setIterationCount(iteration + 1);
            steps++;
        }
    }

    /** {@code params -= update} (the updater has turned the gradient view into the update), as DL4J's step does. */
    private void applyUpdate(INDArray params, INDArray update) {
        if (subtract == null || boundParams != params || boundUpdate != update) {
            BoundOp.release(subtract);
            subtract = BoundOp.of(new SubOp(params, update.reshape(params.shape()), params));
            boundParams = params;
            boundUpdate = update;
        }
        subtract.run();
    }

    /** Steps taken through this class (tests check that a network really trained here). */
    long steps() {
        return steps;
    }

    interface Stage {
        void allocate(int rows);

        INDArray forward(INDArray input);

        /** Takes dL/d(output), returns dL/d(input) (null for the first layer, which needs none). */
        INDArray backward(INDArray epsilon);
    }

    /** A dense or output layer: {@code activation(input W + b)}, with DL4J's parameter and gradient views. */
    private static final class Affine implements Stage {
        final INDArray weights;
        final INDArray bias;
        final INDArray weightGradient;
        final INDArray biasGradient;
        final IActivation activation;
        final LayerActivation activationPass;
        final ILossFunction loss;
        final boolean first;
        INDArray input;
        INDArray preActivations;
        INDArray activations;
        INDArray inputGradient;
        /** dL/dz of a hidden layer. */
        INDArray preActivationGradient;
        /** DL4J's f-order weight gradient seen as its c-order transpose, which gemm writes twice as fast. */
        INDArray weightGradientTransposed;
        /** A column of ones: the bias enters and leaves through rank-1 products (one BLAS call, no broadcast op). */
        INDArray ones;
        /** 1 / rows: DL4J averages gradients over the minibatch; here the products do it on the way. */
        double gradientScale;
        /** Whether the output is softmax with unweighted MCXENT, whose loss and gradient are computed on the heap. */
        final boolean softmaxCrossEntropy;
        final MultiLayerNetwork network;
        float[] logits;
        float[] targets;
        INDArray outputGradient;
        /** The layer's products, bound to its arrays for the current minibatch size (input and delta rebound per step). */
        BoundOp biasForward;
        BoundOp product;
        BoundOp biasBackward;
        BoundOp weightBackward;
        BoundOp inputBackward;

        Affine(MultiLayerNetwork network, Layer layer, IActivation activation, ILossFunction loss, boolean first) {
            this.network = network;
            this.softmaxCrossEntropy = loss instanceof LossMCXENT mcxent && mcxent.getClass() == LossMCXENT.class
                    && mcxent.getWeights() == null && mcxent.getSoftmaxClipEps() == SOFTMAX_CLIP
                    && activation instanceof ActivationSoftmax;
            this.weights = layer.getParam(DefaultParamInitializer.WEIGHT_KEY);
            INDArray b = layer.getParam(DefaultParamInitializer.BIAS_KEY);
            this.bias = b.reshape(1, b.length()); // views of DL4J's arrays as [1, n] rows, for the rank-1 products
            Map<String, INDArray> gradients = DefaultParamInitializer.getInstance()
                    .getGradientsFromFlattened(layer.conf(), layer.getGradientsViewArray());
            this.weightGradient = gradients.get(DefaultParamInitializer.WEIGHT_KEY);
            INDArray db = gradients.get(DefaultParamInitializer.BIAS_KEY);
            this.biasGradient = db.reshape(1, db.length());
            this.activation = activation;
            this.activationPass = new LayerActivation(activation);
            this.loss = loss;
            this.first = first;
        }

        @Override
        public void allocate(int rows) {
            preActivations = Nd4j.createUninitialized(DataType.FLOAT, rows, weights.size(1));
            activations = loss == null ? Nd4j.createUninitialized(DataType.FLOAT, rows, weights.size(1)) : null;
            preActivationGradient = loss == null ? Nd4j.createUninitialized(DataType.FLOAT, rows, weights.size(1))
                    : null;
            inputGradient = first ? null : Nd4j.createUninitialized(DataType.FLOAT, rows, weights.size(0));
            weightGradientTransposed = weightGradient.transpose();
            ones = Nd4j.ones(DataType.FLOAT, rows, 1);
            gradientScale = 1.0 / rows;
            for (BoundOp op : new BoundOp[] {biasForward, product, biasBackward, weightBackward, inputBackward}) {
                BoundOp.release(op);
            }
            biasForward = BoundOp.gemm(ones, bias, preActivations, false, false, 1.0, 0.0);
            product = biasBackward = weightBackward = inputBackward = null; // bound to the first input and delta
        }

        @Override
        public INDArray forward(INDArray in) {
            input = in;
            // every product here writes a c-order result: OpenBLAS through ND4J ran those ~2x faster than DL4J's
            // f-order products on this project's machines (docs/benchmarks.md)
            if (product == null) {
                product = BoundOp.gemm(in, weights, preActivations, false, false, 1.0, 1.0);
            }
            biasForward.run();
            product.input(0, in).run();
            if (loss != null) {
                return null; // the output layer: the loss reads its pre-activations
            }
            return activationPass.forward(preActivations, activations);
        }

        /**
         * Puts the minibatch's mean loss in the network's score and returns dL/dz. Softmax with DL4J's
         * unweighted MCXENT (every classifier preset) is computed once on the heap: probabilities,
         * DL4J's clipped log-loss and {@code p - y}, instead of two passes of a dozen ND4J ops over
         * a few hundred values; any other loss goes through DL4J's loss function.
         */
        INDArray lossAndGradient(INDArray labels) {
            int rows = (int) preActivations.size(0);
            if (!softmaxCrossEntropy || !contiguousFloats(labels)) {
                network.setScore(loss.computeScore(labels, preActivations, activation, null, false) / rows);
                return loss.computeGradient(labels, preActivations, activation, null);
            }
            int classes = (int) preActivations.size(1);
            int n = rows * classes;
            if (logits == null || logits.length != n) {
                logits = new float[n];
                targets = new float[n];
                outputGradient = Nd4j.createUninitialized(DataType.FLOAT, rows, classes);
            }
            preActivations.data().asNioFloat().get(logits, 0, n);
            FloatBuffer y = labels.data().asNioFloat();
            y.get(y.position(), targets, 0, n);
            double lossSum = 0;
            for (int r = 0; r < rows; r++) {
                int base = r * classes;
                float max = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < classes; c++) {
                    max = Math.max(max, logits[base + c]);
                }
                float sum = 0;
                for (int c = 0; c < classes; c++) {
                    float e = (float) Math.exp(logits[base + c] - max);
                    logits[base + c] = e;
                    sum += e;
                }
                for (int c = 0; c < classes; c++) {
                    float probability = logits[base + c] / sum;
                    float target = targets[base + c];
                    if (target != 0) { // DL4J clips probabilities to [1e-10, 1 - 1e-10] before the log
                        lossSum -= target * Math.log(Math.min(Math.max(probability, SOFTMAX_CLIP), 1 - SOFTMAX_CLIP));
                    }
                    logits[base + c] = probability - target;
                }
            }
            outputGradient.data().asNioFloat().put(logits, 0, n);
            network.setScore(lossSum / rows);
            return outputGradient;
        }

        @Override
        public INDArray backward(INDArray epsilon) {
            // the output layer's epsilon is already dL/dz (the loss's gradient through its activation)
            INDArray delta = loss != null ? epsilon
                    : activationPass.gradient(preActivations, epsilon, preActivationGradient);
            if (biasBackward == null) {
                biasBackward = BoundOp.gemm(ones, delta, biasGradient, true, false, gradientScale, 0.0);
                weightBackward = BoundOp.gemm(delta, input, weightGradientTransposed, true, false, gradientScale, 0.0);
                inputBackward = first ? null : BoundOp.gemm(delta, weights, inputGradient, false, true, 1.0, 0.0);
            }
            biasBackward.input(1, delta).run();
            weightBackward.input(0, delta).input(1, input).run();
            if (first) {
                return null;
            }
            inputBackward.input(0, delta).run();
            return inputGradient;
        }
    }

    /** DL4J's inverted dropout: a mask of 0 and 1/p drawn by the same ND4J op, kept for the backward pass. */
    private static final class Dropping implements Stage {
        final double retain;
        INDArray mask;
        INDArray output;
        INDArray inputGradient;
        BoundOp fill;
        BoundOp apply;
        BoundOp applyToGradient;

        Dropping(double retain) {
            this.retain = retain;
        }

        @Override
        public void allocate(int rows) {
            mask = null;
            output = null;
            inputGradient = null;
        }

        @Override
        public INDArray forward(INDArray in) {
            if (output == null || !output.equalShapes(in)) {
                mask = Nd4j.createUninitialized(DataType.FLOAT, in.shape(), in.ordering());
                output = Nd4j.createUninitialized(DataType.FLOAT, in.shape(), in.ordering());
                inputGradient = Nd4j.createUninitialized(DataType.FLOAT, in.shape(), in.ordering());
                BoundOp.release(fill);
                BoundOp.release(apply);
                BoundOp.release(applyToGradient);
                fill = BoundOp.of(new ScalarSet(mask, 1.0));
                apply = BoundOp.of(new MulOp(in, mask, output));
                applyToGradient = null;
            }
            fill.run();
            Nd4j.getExecutioner().exec(new DropOutInverted(mask, mask, retain)); // a new draw from ND4J's generator
            apply.input(0, in).run();
            return output;
        }

        @Override
        public INDArray backward(INDArray epsilon) {
            if (applyToGradient == null) {
                applyToGradient = BoundOp.of(new MulOp(epsilon, mask, inputGradient));
            }
            applyToGradient.input(0, epsilon).run();
            return inputGradient;
        }
    }

    /** {@code array} if it has {@code shape}, else a new uninitialised float array of it. */
    static INDArray sized(INDArray array, long... shape) {
        return array != null && Arrays.equals(array.shape(), shape) ? array
                : Nd4j.createUninitialized(DataType.FLOAT, shape);
    }
}
