package io.averon.examples;

import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.TrainTestData;
import io.averon.core.model.AveronModel;
import io.averon.core.train.Augmentation;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.run.Trained;
import io.averon.driver.training.SparkTrainingConfig;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import java.util.Map;
import java.util.TreeMap;

/**
 * A small residual network, built as a DL4J {@code ComputationGraph} (skip connections need a
 * graph), trained with image augmentation applied in the executors: random crops with 2 pixels
 * of padding and horizontal flips ({@code averon train --augment crop:2,flip}). Adam's rate decays
 * linearly to 0 over the run (a DL4J {@code MapSchedule} per epoch), and the two workers average
 * every {@value #SYNC_EVERY} minibatches: the round costs a few seconds per epoch against minutes
 * of convolution, and keeps the replicas (and their batch-norm statistics) from drifting apart
 * for a whole epoch.
 *
 * <pre>
 * stem: conv 3x3 48, BN, ReLU, max pool 2x2   28x28 -> 14x14
 * block 48 (identity shortcut)                 14x14
 * block 96, stride 2 (1x1 projection shortcut)  7x7
 * block 96 (identity shortcut)                  7x7
 * global average pooling, softmax
 * </pre>
 */
public final class FashionResnetExample implements Example {

    /** Minibatches between averaging rounds. */
    static final int SYNC_EVERY = 25;

    /** Channels of the stem and the first stage; the second stage has twice as many. */
    static final int WIDTH = 48;

    /** Adam's initial rate. */
    static final double LEARNING_RATE = 2e-3;

    @Override
    public String name() {
        return "fashion-resnet";
    }

    @Override
    public String summary() {
        return "a small ResNet (DL4J ComputationGraph) with crop+flip augmentation in the executors";
    }

    /**
     * The network this example trains, initialised: the residual graph drawn above, convolutions
     * without bias and He-initialised ({@code WeightInit.RELU}), batch normalisation at DL4J's
     * defaults, a Xavier softmax output, and Adam at {@value #LEARNING_RATE} decaying linearly to 0
     * over {@code epochs}. Public so that benchmarks measure the same network against their peers.
     *
     * @param classes output classes
     * @param seed    weight-initialisation seed
     * @param epochs  epochs of the run the learning-rate schedule spans (at least 1)
     */
    public static ComputationGraph network(int classes, long seed, int epochs) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        Map<Integer, Double> rates = new TreeMap<>();
        for (int epoch = 0; epoch <= epochs; epoch++) {
            rates.put(epoch, LEARNING_RATE * (epochs - epoch) / epochs);
        }
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(new MapSchedule(ScheduleType.EPOCH, rates)))
                .weightInit(WeightInit.RELU)
                .graphBuilder()
                .addInputs("image")
                .setInputTypes(InputType.convolutionalFlat(28, 28, 1))
                .addLayer("stem", conv(3, WIDTH, 1), "image")
                .addLayer("stem_bn", new BatchNormalization.Builder().build(), "stem")
                .addLayer("stem_relu", relu(), "stem_bn")
                .addLayer("stem_pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                        .stride(2, 2).build(), "stem_relu");
        String last = block(g, "b1", "stem_pool", WIDTH, WIDTH, 1);
        last = block(g, "b2", last, WIDTH, 2 * WIDTH, 2);
        last = block(g, "b3", last, 2 * WIDTH, 2 * WIDTH, 1);
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), last)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .weightInit(WeightInit.XAVIER).nOut(classes).build(), "pool")
                .setOutputs("out");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    /** conv-BN-ReLU-conv-BN, plus the shortcut (a 1x1 projection when the shape changes), then ReLU. */
    private static String block(ComputationGraphConfiguration.GraphBuilder g, String name, String in, int channelsIn,
                                int channels, int stride) {
        g.addLayer(name + "_conv1", conv(3, channels, stride), in)
                .addLayer(name + "_bn1", new BatchNormalization.Builder().build(), name + "_conv1")
                .addLayer(name + "_relu1", relu(), name + "_bn1")
                .addLayer(name + "_conv2", conv(3, channels, 1), name + "_relu1")
                .addLayer(name + "_bn2", new BatchNormalization.Builder().build(), name + "_conv2");
        String shortcut = in;
        if (stride != 1 || channelsIn != channels) {
            g.addLayer(name + "_proj", conv(1, channels, stride), in)
                    .addLayer(name + "_proj_bn", new BatchNormalization.Builder().build(), name + "_proj");
            shortcut = name + "_proj_bn";
        }
        g.addVertex(name + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), name + "_bn2", shortcut)
                .addLayer(name + "_relu", relu(), name + "_add");
        return name + "_relu";
    }

    /**
     * ReLU as a layer of its own: DL4J's {@code BatchNormalization} accepts an activation in its
     * builder but never applies it (1.0.0-M2.1), so a ReLU after batch normalisation needs this.
     */
    private static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }

    /**
     * A bias-free convolution padded by {@code kernel / 2} on every side, as PyTorch's ResNets are:
     * DL4J's "same" mode would pad a stride-2 convolution at the bottom and right only, centring
     * its outputs a pixel away from those of the 1x1 shortcut they are added to.
     */
    private static ConvolutionLayer conv(int kernel, int channels, int stride) {
        return new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).padding(kernel / 2, kernel / 2)
                .convolutionMode(ConvolutionMode.Truncate).nOut(channels).activation(Activation.IDENTITY)
                .hasBias(false).build();
    }

    @Override
    public Outcome run(ExampleContext context) {
        TrainTestData fashion = context.fashionMnist();
        ArrayDataSet train = ExampleData.sample(fashion.train(), context.count(Integer.MAX_VALUE, 2000), context.seed());
        ArrayDataSet test = ExampleData.sample(fashion.test(), context.count(Integer.MAX_VALUE, 1000), context.seed());
        int epochs = context.epochs(24, 2);
        AveronModel model = AveronModel.of(network(train.classes().numClasses(), context.seed(), epochs));
        context.print("ResNet: %d parameters, a %s", model.numParams(), model.kind());

        TrainingConfig config = TrainingConfig.builder().epochs(epochs).batchSize(128)
                .seed(context.seed()).augmentation(Augmentation.parse("crop:2,flip")).build();
        Trained result = context.fit(context.trainer(SparkTrainingConfig.builder(config).syncEvery(SYNC_EVERY).build()),
                model, train, test, "resnet");

        double accuracy = result.training().finalMetrics().accuracy();
        double secondsPerEpoch = result.training().epochs().stream().mapToDouble(EpochRecord::wallSeconds).average()
                .orElse(Double.NaN);
        context.writeReport(context.report("fashion-resnet: a small ResNet with augmentation", result, test)
                .config(Map.of("train_examples", train.size(), "test_examples", test.size(), "workers", result.workers(),
                        "epochs", config.epochs(), "batch_size", config.batchSize(), "augment",
                        config.augmentation().toString(), "parameters", model.numParams(), "sync_every", SYNC_EVERY,
                        "learning_rate", LEARNING_RATE + " decayed linearly to 0")));
        return Outcome.of(name(), "test_accuracy", accuracy, "seconds_per_epoch", secondsPerEpoch,
                "workers", result.workers(), "graph", result.model().kind() == AveronModel.Kind.COMPUTATION_GRAPH ? 1 : 0);
    }
}
