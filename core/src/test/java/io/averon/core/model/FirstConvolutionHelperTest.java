package io.averon.core.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;


import static io.averon.core.model.ModelTesting.assertClose;
import static io.averon.core.model.ModelTesting.batch;
import static io.averon.core.model.ModelTesting.network;
import static io.averon.core.model.ModelTesting.trainedByDl4jsFit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A network's first convolution layer computes its weight and bias gradients without the input
 * gradient: the same gradients as DL4J's oneDNN helper to float rounding, and the same training.
 */
@Tag("onednn") // a JVM of its own that loads ND4J's oneDNN build (core/pom.xml)
class FirstConvolutionHelperTest {

    @BeforeAll
    static void chooseOneDnn() {
        NativeRuntime.configure(new NativeSettings(1, true)); // before anything else touches ND4J in this JVM
        assertTrue(NativeRuntime.oneDnnActive(), "ND4J's oneDNN build is loaded");
    }

    @Test
    void shouldTrainTheCnnPresetThroughDl4jsFitAsDl4jDoesToFloatRounding() {
        // the preset with an L2 penalty: Averon's own step leaves it to DL4J's fit, where this helper runs
        int side = 16;
        int classes = 4;
        MultiLayerConfiguration conf = trainedByDl4jsFit(ModelFactory.presetConfiguration(ModelPreset.CNN,
                new int[] {1, side, side}, classes, UpdaterSpec.adam(2e-3), 9));
        MultiLayerNetwork plain = network(conf);
        AveronModel averon = AveronModel.of(network(conf));
        assertNull(averon.sequentialStep(), "trained through DL4J's fit");
        for (int step = 0; step < 12; step++) {
            INDArray[] batch = batch(step, 8, side * side, classes);
            averon.fit(batch[0], batch[1]);
            plain.fit(batch[0], batch[1]);
        }
        assertEquals(1, averon.firstConvolutions().size(), "the first layer runs DL4J's oneDNN helper here");
        assertEquals(12, averon.firstConvolutions().get(0).backwardPasses(), "every step's first-layer gradients here");
        assertClose(plain.params(), averon.params(), 1e-4, "parameters after 12 Adam steps");
        assertEquals(plain.score(), averon.lastLoss(), 1e-5, "the last minibatch's loss");
    }

    @Test
    void shouldTrainAGraphsInputConvolutionAsDl4jDoesAndLeaveItsOtherConvolutionsToDl4j() {
        // the fashion-resnet example's stem: a bias-free 3x3 "same" convolution of the input, batch norm; then a
        // second convolution
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutionalFlat(10, 10, 1))
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).convolutionMode(ConvolutionMode.Same)
                        .hasBias(false).nOut(6).activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().activation(Activation.RELU).build(), "stem")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "bn")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).nOut(3).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph plain = new ComputationGraph(conf.clone());
        plain.init();
        ComputationGraph graph = new ComputationGraph(conf.clone());
        graph.init();
        AveronModel averon = AveronModel.of(graph);
        for (int step = 0; step < 10; step++) {
            INDArray[] batch = batch(step, 8, 100, 3);
            averon.fit(batch[0], batch[1]);
            plain.fit(new DataSet(batch[0], batch[1]));
        }
        assertEquals(1, averon.firstConvolutions().size(), "the stem only: the second convolution's input is not the graph's");
        assertEquals(10, averon.firstConvolutions().get(0).backwardPasses());
        assertEquals(0, helperFailures(graph.getLayer("stem")), "DL4J never fell back to its built-in convolution");
        assertClose(plain.params(), averon.params(), 1e-4, "parameters after 10 Adam steps");
    }

    @Test
    void shouldGiveDl4jsGradientsForPaddedFirstLayersOfSeveralChannels() {
        // 3 channels with padding (the swapped convolution pads too); Strict mode. (Dilated layers are not
        // tried: DL4J's own oneDNN helper fails on their forward pass in 1.0.0-M2.1 and falls back.)
        assertSameGradients(layer(3, 1, 1, 1, ConvolutionMode.Truncate), 3, 9, 1);
        assertSameGradients(layer(2, 1, 0, 1, ConvolutionMode.Strict), 2, 9, 1);
        // "same" with an odd kernel (symmetric padding), without bias
        assertSameGradients(new ConvolutionLayer.Builder(3, 3).nIn(2).nOut(5).convolutionMode(ConvolutionMode.Same)
                .hasBias(false).activation(Activation.TANH).build(), 2, 9, 1);
    }

    @Test
    void shouldHandStridedAndAsymmetricallyPaddedLayersBackToDl4jsHelper() {
        // stride 2 (10 pixels, kernel 3: Truncate also leaves the last row and column out); stride 2 with padding
        assertSameGradients(layer(1, 2, 0, 1, ConvolutionMode.Truncate), 1, 10, 0);
        assertSameGradients(layer(3, 2, 1, 1, ConvolutionMode.Truncate), 3, 9, 0);
        // "same" with an even kernel pads one side more; without bias (DL4J's helper gets no bias gradient)
        assertSameGradients(new ConvolutionLayer.Builder(2, 2).nIn(2).nOut(5).convolutionMode(ConvolutionMode.Same)
                .hasBias(false).activation(Activation.TANH).build(), 2, 9, 0);
    }

    private static ConvolutionLayer layer(int channels, int stride, int padding, int dilation, ConvolutionMode mode) {
        return new ConvolutionLayer.Builder(3, 3).nIn(channels).nOut(5).stride(stride, stride)
                .padding(padding, padding).dilation(dilation, dilation).convolutionMode(mode)
                .activation(Activation.TANH).build();
    }

    /** One gradient of a conv + softmax network, with the helper and with DL4J's; returns the helper. */
    private static FirstConvolutionHelper assertSameGradients(ConvolutionLayer convolution, int channels, int side,
                                                              int passes) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(4).dataType(DataType.FLOAT)
                .updater(new Sgd(0.1)).list()
                .layer(convolution)
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(3)
                        .build())
                .setInputType(InputType.convolutional(side, side, channels)).build();
        MultiLayerNetwork plain = network(conf);
        MultiLayerNetwork withHelper = network(conf);
        AveronModel averon = AveronModel.of(withHelper);
        assertEquals(1, averon.firstConvolutions().size());
        FirstConvolutionHelper helper = averon.firstConvolutions().get(0);
        INDArray[] batch = batch(1, 6, channels * side * side, 3);
        INDArray images = batch[0].reshape('c', 6, channels, side, side);
        for (MultiLayerNetwork net : new MultiLayerNetwork[] {plain, withHelper}) {
            net.setInput(images);
            net.setLabels(batch[1]);
            net.computeGradientAndScore();
        }
        assertEquals(passes, helper.backwardPasses());
        assertEquals(0, helperFailures(withHelper.getLayer(0)), "DL4J never fell back to its built-in convolution");
        INDArray expected = plain.getFlattenedGradients();
        INDArray actual = withHelper.getFlattenedGradients();
        assertTrue(expected.amaxNumber().doubleValue() > 1e-3, "the gradients are not all zero");
        if (passes == 0) {
            assertArrayEquals(expected.toFloatVector(), actual.toFloatVector(), "DL4J's helper, bit for bit");
        } else {
            assertClose(expected, actual, 1e-5, "gradients");
        }
        return helper;
    }

    /** How often DL4J's layer caught its helper failing and fell back to its own code (a protected field). */
    private static int helperFailures(org.deeplearning4j.nn.api.Layer layer) {
        try {
            java.lang.reflect.Field field = org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class
                    .getDeclaredField("helperCountFail");
            field.setAccessible(true);
            return (int) field.get(layer);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
