package io.averon.core.model;

import io.averon.core.InvalidInputException;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.layers.BaseOutputLayer;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * One model, whichever DL4J kind it is. Everything above {@code core} (trainers, the Spark
 * driver, scoring) talks to this type, never to {@code MultiLayerNetwork} or
 * {@code ComputationGraph} directly. A graph must have one input and one output.
 */
public final class AveronModel {

    /** The DL4J model kinds. */
    public enum Kind { MULTI_LAYER_NETWORK, COMPUTATION_GRAPH }

    private final MultiLayerNetwork network;
    private final ComputationGraph graph;
    /** The step of Averon's own for plain sequential networks, null for every other model (DL4J's fit trains those). */
    private SequentialNetworkStep sequentialStep;
    /** The helpers of the convolution layers that read the model's input (with DL4J's oneDNN helper). */
    private List<FirstConvolutionHelper> firstConvolutions = List.of();
    private List<BatchNormHelper> batchNorms = List.of();

    private AveronModel(MultiLayerNetwork network, ComputationGraph graph) {
        this.network = network;
        this.graph = graph;
        prepareSteps();
    }

    /**
     * Sets up the faster training step: every Adam block of DL4J's updater gets the
     * {@link FusedAdamUpdater} (same state, same results, one pass), and a plain sequential network
     * (dense, convolution and pooling layers) gets its {@link SequentialNetworkStep}, on ND4J's CPU
     * backend (both read and write host memory); in the models DL4J's fit trains, convolution layers
     * keep their forward output for the backward pass, and those that read the model's input
     * compute no input gradient ({@link FirstConvolutionHelper}), batch normalisation computes each
     * batch's statistics in one pass ({@link BatchNormHelper}), and ReLU activation layers run in one
     * pass each way ({@link ReluLayer}). DL4J
     * rebuilds its updater on some changes (learning rate), so callers that rebuild it call this again.
     */
    private void prepareSteps() {
        if (!Nd4j.getEnvironment().isCPU()) {
            return; // the first two read or write host memory directly: on ND4J's CUDA backend DL4J's own step runs
        }
        BaseMultiLayerUpdater<?> updater = network != null ? (BaseMultiLayerUpdater<?>) network.getUpdater()
                : graph.getUpdater();
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            if (block.getGradientUpdater() instanceof AdamUpdater adam && block.getUpdaterView() != null) {
                block.setGradientUpdater(new FusedAdamUpdater(adam.getConfig(), block.getUpdaterView()));
            }
        }
        sequentialStep = network != null ? SequentialNetworkStep.forNetwork(network) : null;
        if (network != null) {
            ReluLayer.replaceIn(network);
        } else {
            ReluLayer.replaceIn(graph);
        }
        keepConvolutionOutputsForBackprop();
        firstConvolutions = inputConvolutions().stream().map(FirstConvolutionHelper::installOn)
                .filter(java.util.Objects::nonNull).toList();
        batchNorms = layers().stream().filter(l -> l instanceof BatchNormalization).map(l -> (BatchNormalization) l)
                .map(BatchNormHelper::installOn).filter(java.util.Objects::nonNull).toList();
    }

    /**
     * The convolution layers that read the model's input directly, whose input gradient DL4J's fit
     * computes and drops: a network's first layer, a graph's layers fed by input vertices only.
     */
    private List<ConvolutionLayer> inputConvolutions() {
        if (network != null) {
            Layer first = network.getLayers()[0];
            return first.getClass() == ConvolutionLayer.class ? List.of((ConvolutionLayer) first) : List.of();
        }
        GraphVertex[] vertices = graph.getVertices();
        return java.util.Arrays.stream(vertices)
                .filter(v -> v.hasLayer() && v.getLayer().getClass() == ConvolutionLayer.class
                        && v.getInputVertices() != null && v.getInputVertices().length > 0
                        && java.util.Arrays.stream(v.getInputVertices())
                                .allMatch(i -> vertices[i.getVertexIndex()].isInputVertex()))
                .map(v -> (ConvolutionLayer) v.getLayer()).toList();
    }

    /**
     * DL4J's convolution layers compute their forward convolution again in the backward pass unless
     * DL4J's {@code CacheMode} keeps it (in the step's activation workspace): the same values, one
     * convolution fewer per layer and step. The configuration's mode opens DL4J's cache workspace
     * during the step ({@link #configurationJson} leaves it out); the layers' own modes, which decide
     * what is cached, are set on the convolution layers only (other layers' caches, LSTM's, follow
     * rules of their own and stay off).
     */
    private void keepConvolutionOutputsForBackprop() {
        List<Layer> convolutions = layers().stream().filter(l -> l.getClass() == ConvolutionLayer.class).toList();
        if (convolutions.isEmpty()) {
            return;
        }
        if (network != null) {
            network.getLayerWiseConfigurations().setCacheMode(CacheMode.DEVICE);
        } else {
            graph.getConfiguration().setCacheMode(CacheMode.DEVICE);
        }
        convolutions.forEach(l -> l.setCacheMode(CacheMode.DEVICE));
    }

    /** Wraps an initialised network. */
    public static AveronModel of(MultiLayerNetwork network) {
        return new AveronModel(network, null);
    }

    /** Wraps an initialised single-input, single-output graph. */
    public static AveronModel of(ComputationGraph graph) {
        if (graph.getNumInputArrays() != 1 || graph.getNumOutputArrays() != 1) {
            throw new InvalidInputException("computation graph has " + graph.getNumInputArrays() + " inputs and "
                    + graph.getNumOutputArrays() + " outputs; Averon trains single-input, single-output graphs");
        }
        return new AveronModel(null, graph);
    }

    /** Builds and initialises a model from its stored DL4J configuration JSON. */
    public static AveronModel fromConfiguration(Kind kind, String json) {
        if (kind == Kind.MULTI_LAYER_NETWORK) {
            MultiLayerNetwork net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(json));
            net.init();
            return of(net);
        }
        ComputationGraph cg = new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
        cg.init();
        return of(cg);
    }

    public Kind kind() {
        return network != null ? Kind.MULTI_LAYER_NETWORK : Kind.COMPUTATION_GRAPH;
    }

    /**
     * The DL4J configuration as JSON (what the model artifact stores), without the cache mode
     * {@link #prepareSteps} sets for this JVM's backend: artifacts do not depend on where they were
     * trained.
     */
    public String configurationJson() {
        if (network != null) {
            MultiLayerConfiguration conf = network.getLayerWiseConfigurations().clone();
            conf.setCacheMode(CacheMode.NONE);
            return conf.toJson();
        }
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        conf.setCacheMode(CacheMode.NONE);
        return conf.toJson();
    }

    /**
     * Whether {@code other} has this model's configuration (layers, optimiser, schedule), DL4J's
     * progress counters (epoch and iteration counts, which training advances) aside.
     */
    public boolean sameConfiguration(AveronModel other) {
        return kind() == other.kind() && withoutProgress().equals(other.withoutProgress());
    }

    private String withoutProgress() {
        if (network != null) {
            MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(configurationJson());
            conf.setEpochCount(0);
            conf.setIterationCount(0);
            return conf.toJson();
        }
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(configurationJson());
        conf.setEpochCount(0);
        conf.setIterationCount(0);
        return conf.toJson();
    }

    public long numParams() {
        return model().numParams();
    }

    /** The helpers of the batch normalisation layers (tests). */
    List<BatchNormHelper> batchNorms() {
        return batchNorms;
    }

    /** The helpers of the convolution layers that read the model's input (tests). */
    List<FirstConvolutionHelper> firstConvolutions() {
        return firstConvolutions;
    }

    /** The sequential step this model trains through, or null (tests). */
    SequentialNetworkStep sequentialStep() {
        return sequentialStep;
    }

    /**
     * Whether {@link #fit} trains through Averon's own step for sequential networks (its minibatches
     * of the network's input shape, on ND4J's CPU backend) rather than DL4J's {@code fit} with its
     * layer helpers.
     */
    public boolean trainsThroughSequentialStep() {
        return sequentialStep != null;
    }

    /** The flattened parameter vector (a view: changes write through to the model). */
    public INDArray params() {
        return model().params();
    }

    /** Copies {@code params} into the model's parameters. */
    public void setParams(INDArray params) {
        if (params.length() != numParams()) {
            throw new IllegalArgumentException("parameter vector has " + params.length() + " values, model has "
                    + numParams());
        }
        model().params().assign(params);
    }

    /** The updater state (e.g. Adam moments) as one vector view, or null if the updater keeps none. */
    public INDArray updaterState() {
        return network != null ? network.getUpdater().getStateViewArray() : graph.getUpdater().getStateViewArray();
    }

    /** Runs one optimisation step on one minibatch (dropout on). */
    public void fit(INDArray features, INDArray labels) {
        if (sequentialStep != null && sequentialStep.accepts(features, labels)) {
            sequentialStep.fit(features, labels);
        } else if (network != null) {
            network.fit(features, labels);
        } else {
            graph.fit(new DataSet(features, labels));
        }
    }

    /** The loss of the last minibatch fitted. */
    public double lastLoss() {
        return model().score();
    }

    /**
     * Inference-mode output (dropout off) for a minibatch: probabilities for classifiers (a model
     * trained on logits with {@link LogitsCrossEntropy} gets its softmax here), values for
     * regression.
     */
    public INDArray output(INDArray features) {
        INDArray out = network != null ? network.output(features, false) : graph.outputSingle(false, features);
        return logitsOutput() ? LogitsCrossEntropy.softmax(out) : out;
    }

    /** Whether the output layer emits logits, trained with {@link LogitsCrossEntropy}. */
    public boolean logitsOutput() {
        Layer last = network != null ? network.getOutputLayer() : graph.getOutputLayer(0);
        return last instanceof BaseOutputLayer<?> out && out.layerConf().getLossFn() instanceof LogitsCrossEntropy;
    }

    /**
     * Sets DL4J's epoch count: during an epoch, which epoch it is (0-based, what epoch-based
     * learning-rate schedules read); after training, the epochs completed (as DL4J's own fit leaves it).
     */
    public void setEpoch(int epoch) {
        if (network != null) {
            network.setEpochCount(epoch);
        } else {
            graph.getConfiguration().setEpochCount(epoch);
        }
    }

    /**
     * Sets how many minibatch steps the model has taken (what optimisers such as Adam use for bias
     * correction): a replica that resumes mid-run continues the count instead of restarting at 0.
     */
    public void setIterationCount(int iterations) {
        if (network != null) {
            network.setIterationCount(iterations);
        } else {
            graph.getConfiguration().setIterationCount(iterations);
        }
    }

    /**
     * Sets one constant learning rate on every layer, replacing any schedule; the optimiser keeps
     * its state (DL4J's {@code setLearningRate}, which rebuilds the updater: cheap enough once per
     * step of a short tool such as the learning-rate range test, not meant for training loops).
     */
    public void setLearningRate(double rate) {
        if (network != null) {
            network.setLearningRate(rate);
        } else {
            graph.setLearningRate(rate);
        }
        prepareSteps();
    }

    /** The model's layers, in order (graph: topological order). */
    public List<Layer> layers() {
        return List.of(network != null ? network.getLayers() : graph.getLayers());
    }

    /** Whether the output layer has an identity activation, i.e. predicts real values. */
    public boolean regressionOutput() {
        Layer last = network != null ? network.getOutputLayer() : graph.getOutputLayer(0);
        if (last instanceof BaseOutputLayer<?> out) {
            return out.layerConf().getActivationFn() instanceof ActivationIdentity
                    && !(out.layerConf().getLossFn() instanceof LogitsCrossEntropy);
        }
        return false;
    }

    /** The underlying DL4J model, for code that must reach it (listeners, helpers checks). */
    public Model dl4j() {
        return model();
    }

    private Model model() {
        return network != null ? network : graph;
    }
}
