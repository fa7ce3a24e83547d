package io.averon.core.model;

import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static io.averon.core.model.ModelTesting.assertClose;
import static io.averon.core.model.ModelTesting.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Batch normalisation with the batch's statistics computed by {@link BatchNormHelper}: the same
 * training as DL4J's oneDNN helper to float rounding, running statistics included.
 */
@Tag("onednn") // a JVM of its own that loads ND4J's oneDNN build (core/pom.xml)
class BatchNormHelperTest {

    @BeforeAll
    static void chooseOneDnn() {
        NativeRuntime.configure(new NativeSettings(1, true)); // before anything else touches ND4J in this JVM
    }

    @ParameterizedTest(name = "{0} thread(s)")
    @ValueSource(ints = {1, 3}) // 3: the channels (6 and 4 per layer) split unevenly among threads
    void shouldTrainConvolutionalBatchNormAsDl4jDoesToFloatRounding(int threads) {
        ComputationGraphConfiguration conf = graph(null, new Adam(1e-2));
        ComputationGraph plain = init(conf);
        ComputationGraph graph = init(conf);
        AveronModel averon = AveronModel.of(graph);
        int before = Nd4j.getEnvironment().maxMasterThreads();
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        try {
            fitBoth(plain, averon, 10, 2 * 9 * 9);
        } finally {
            Nd4j.getEnvironment().setMaxMasterThreads(before);
        }
        assertEquals(2, averon.batchNorms().size(), "both batch normalisations run DL4J's oneDNN helper here");
        averon.batchNorms().forEach(h -> assertEquals(10, h.trainingPasses(), "every step's statistics here"));
        // the parameters include each layer's running mean and log10 standard deviation, updated from the statistics
        assertClose(plain.params(), averon.params(), 1e-4, "parameters after 10 Adam steps");
        INDArray test = batch(99, 4, 2 * 9 * 9, 3)[0];
        assertClose(plain.outputSingle(test).ravel(), averon.output(test).ravel(), 1e-4, "inference, with the running statistics");
    }

    @Test
    void shouldKeepTheVarianceOfChannelsWhoseMeanIsLarge() {
        // activations around 1000 with a spread of order 1: a plain sum of squares in float would lose the variance.
        // (SGD: the bias before a batch normalisation gets gradients of rounding noise only, which Adam would blow up.)
        ComputationGraphConfiguration conf = graph(1000.0, new Sgd(0.1));
        ComputationGraph plain = init(conf);
        ComputationGraph graph = init(conf);
        AveronModel averon = AveronModel.of(graph);
        fitBoth(plain, averon, 3, 2 * 9 * 9);
        assertEquals(3, averon.batchNorms().get(0).trainingPasses());
        assertClose(plain.params(), averon.params(), 1e-4, "parameters after 3 steps, running statistics included");
    }

    @Test
    void shouldLeaveDenseBatchNormToDl4j() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(6))
                .addLayer("dense", new DenseLayer.Builder().nOut(5).activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "dense")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).nOut(3).build(), "bn")
                .setOutputs("out").build();
        ComputationGraph plain = init(conf);
        AveronModel averon = AveronModel.of(init(conf));
        fitBoth(plain, averon, 3, 6);
        averon.batchNorms().forEach(h -> assertEquals(0, h.trainingPasses(), "rank-2 input: DL4J's helper ran"));
        assertClose(plain.params(), averon.params(), 1e-6, "parameters after 3 steps");
    }

    /**
     * conv, BN, ReLU, conv, BN, global average pooling, softmax; the first convolution has a bias
     * starting at {@code bias}, or none if null.
     */
    private static ComputationGraphConfiguration graph(Double bias, IUpdater updater) {
        ConvolutionLayer.Builder first = new ConvolutionLayer.Builder(3, 3).convolutionMode(ConvolutionMode.Same).nOut(6)
                .activation(Activation.IDENTITY).hasBias(bias != null);
        if (bias != null) {
            first.biasInit(bias);
        }
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT).updater(updater)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutionalFlat(9, 9, 2))
                .addLayer("conv1", first.build(), "in")
                .addLayer("bn1", new BatchNormalization.Builder().build(), "conv1")
                .addLayer("relu1", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn1")
                .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).stride(2, 2).padding(1, 1).nOut(4).hasBias(false)
                        .activation(Activation.IDENTITY).build(), "relu1")
                .addLayer("bn2", new BatchNormalization.Builder().build(), "conv2")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "bn2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).nOut(3).build(), "pool")
                .setOutputs("out").build();
    }

    /** The same {@code steps} minibatches of 8 examples of {@code width} values through both. */
    private static void fitBoth(ComputationGraph plain, AveronModel averon, int steps, int width) {
        for (int step = 0; step < steps; step++) {
            INDArray[] batch = batch(step, 8, width, 3);
            averon.fit(batch[0], batch[1]);
            plain.fit(new DataSet(batch[0], batch[1]));
        }
    }

    private static ComputationGraph init(ComputationGraphConfiguration conf) {
        ComputationGraph graph = new ComputationGraph(conf.clone());
        graph.init();
        return graph;
    }
}
