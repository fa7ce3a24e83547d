package io.averon.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.averon.core.InvalidInputException;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Arrays;

/** Builds an initialised {@link AveronModel} from a {@link ModelSpec} and the data's shape. */
public final class ModelFactory {

    /** Smallest image side the {@code cnn} preset's layers fit. */
    static final int MIN_CNN_SIDE = 16;

    private ModelFactory() {
    }

    /**
     * Builds the model.
     *
     * @param spec         preset or JSON configuration
     * @param exampleShape shape of one example: {@code [n]} tabular, {@code [c, h, w]} image
     * @param numOutputs   classes for a classifier, 1 for regression
     * @param updater      optimiser and schedule (presets only: a JSON configuration keeps its own)
     * @param seed         weight-initialisation seed (presets only: a JSON configuration keeps its own)
     */
    public static AveronModel create(ModelSpec spec, int[] exampleShape, int numOutputs, UpdaterSpec updater, long seed) {
        if (spec.preset() == null) {
            return fromJson(spec);
        }
        MultiLayerConfiguration conf = presetConfiguration(spec.preset(), exampleShape, numOutputs, updater, seed);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return AveronModel.of(net);
    }

    static MultiLayerConfiguration presetConfiguration(ModelPreset preset, int[] shape, int numOutputs,
                                                       UpdaterSpec updater, long seed) {
        int width = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        boolean image = shape.length == 3;
        InputType input = image ? InputType.convolutionalFlat(shape[1], shape[2], shape[0]) : InputType.feedForward(width);
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(updater.toUpdater())
                .weightInit(WeightInit.XAVIER)
                .list();
        switch (preset) {
            case LINEAR -> list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                    .activation(Activation.IDENTITY).nOut(1).build());
            case LOGISTIC -> list.layer(softmax(numOutputs));
            case MLP -> list
                    .layer(new DenseLayer.Builder().nOut(256).activation(Activation.RELU).build())
                    .layer(new DropoutLayer.Builder(0.8).build()) // DL4J takes the retain probability: rate 0.2
                    .layer(softmax(numOutputs));
            case CNN -> {
                if (!image) {
                    throw new InvalidInputException("model cnn needs image data (channels x height x width), got "
                            + "examples of shape " + Arrays.toString(shape));
                }
                // two 5x5 convolutions (no padding) and two 2x2 poolings: (side - 4) / 2 - 4 >= 2
                if (shape[1] < MIN_CNN_SIDE || shape[2] < MIN_CNN_SIDE) {
                    throw new InvalidInputException("model cnn needs images of at least " + MIN_CNN_SIDE + "x"
                            + MIN_CNN_SIDE + " pixels, got "
                            + shape[1] + "x" + shape[2]);
                }
                // He initialisation for the ReLU layers: Xavier under-scales them and slows early epochs.
                list.layer(new ConvolutionLayer.Builder(5, 5).nOut(20).activation(Activation.RELU)
                                .weightInit(WeightInit.RELU).build())
                        .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                                .kernelSize(2, 2).stride(2, 2).build())
                        .layer(new ConvolutionLayer.Builder(5, 5).nOut(50).activation(Activation.RELU)
                                .weightInit(WeightInit.RELU).build())
                        .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                                .kernelSize(2, 2).stride(2, 2).build())
                        .layer(new DenseLayer.Builder().nOut(500).activation(Activation.RELU)
                                .weightInit(WeightInit.RELU).build())
                        .layer(softmax(numOutputs));
            }
        }
        return list.setInputType(input).build();
    }

    private static OutputLayer softmax(int classes) {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                .nOut(classes).build();
    }

    private static AveronModel fromJson(ModelSpec spec) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(spec.configJson());
        } catch (Exception e) {
            throw new InvalidInputException(spec.source() + ": not valid JSON (" + firstLine(e.getMessage()) + ")");
        }
        AveronModel.Kind kind;
        if (root != null && root.has("vertices")) {
            kind = AveronModel.Kind.COMPUTATION_GRAPH;
        } else if (root != null && root.has("confs")) {
            kind = AveronModel.Kind.MULTI_LAYER_NETWORK;
        } else {
            throw new InvalidInputException(spec.source() + ": not a DL4J MultiLayerConfiguration (\"confs\") or "
                    + "ComputationGraphConfiguration (\"vertices\") JSON");
        }
        try {
            return AveronModel.fromConfiguration(kind, spec.configJson());
        } catch (InvalidInputException e) {
            throw new InvalidInputException(spec.source() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new InvalidInputException(spec.source() + ": invalid DL4J configuration ("
                    + firstLine(e.getMessage()) + ")", e);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no detail";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
