package io.averon.core.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static io.averon.core.model.ModelTesting.assertClose;
import static io.averon.core.model.ModelTesting.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** {@link ReluLayer} in place of DL4J's ReLU activation layers trains as DL4J's layers do. */
class ReluLayerTest {

    @Test
    void shouldTrainAResidualGraphAsDl4jsActivationLayersDo() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(11).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).graphBuilder().addInputs("in").setInputTypes(InputType.convolutionalFlat(6, 6, 2))
                .addLayer("conv1", conv(), "in")
                .addLayer("relu1", relu(), "conv1")
                .addLayer("conv2", conv(), "relu1")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "conv2", "relu1")
                .addLayer("relu2", relu(), "add")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "relu2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).nOut(3).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph dl4j = new ComputationGraph(conf.clone());
        dl4j.init();
        ComputationGraph averon = new ComputationGraph(conf.clone());
        averon.init();

        assertEquals(2, ReluLayer.replaceIn(averon));
        assertInstanceOf(ReluLayer.class, averon.getVertex("relu1").getLayer());
        assertInstanceOf(ReluLayer.class, averon.getLayer("relu2"));
        assertEquals(0, ReluLayer.replaceIn(averon), "already replaced");
        for (int step = 0; step < 10; step++) {
            INDArray[] b = batch(step, 8, 2 * 6 * 6, 3);
            dl4j.fit(new DataSet(b[0], b[1]));
            averon.fit(new DataSet(b[0], b[1]));
            assertEquals(dl4j.score(), averon.score(), 1e-6, "loss at step " + step);
        }
        assertClose(dl4j.params(), averon.params(), 1e-6, "parameters after 10 Adam steps");
        INDArray test = batch(99, 4, 2 * 6 * 6, 3)[0];
        assertClose(dl4j.outputSingle(test).ravel(), averon.outputSingle(test).ravel(), 1e-6, "inference");
    }

    @Test
    void shouldReplaceOnlyPlainReluLayersOfANetwork() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(12).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).list()
                .layer(new DenseLayer.Builder().nIn(5).nOut(7).activation(Activation.IDENTITY).build())
                .layer(relu())
                .layer(new ActivationLayer.Builder().activation(Activation.TANH).build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU6).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(3).build())
                .build();
        MultiLayerNetwork dl4j = ModelTesting.network(conf);
        MultiLayerNetwork averon = ModelTesting.network(conf);

        assertEquals(1, ReluLayer.replaceIn(averon));
        assertInstanceOf(ReluLayer.class, averon.getLayer(1));
        assertInstanceOf(ReluLayer.class, averon.getLayer(averon.getLayerNames().get(1)), "by name too");
        assertFalse(averon.getLayer(2) instanceof ReluLayer, "tanh stays DL4J's");
        assertFalse(averon.getLayer(3) instanceof ReluLayer, "a capped ReLU stays DL4J's");
        for (int step = 0; step < 5; step++) {
            INDArray[] b = batch(step, 8, 5, 3);
            dl4j.fit(b[0], b[1]);
            averon.fit(b[0], b[1]);
        }
        assertClose(dl4j.params(), averon.params(), 1e-6, "parameters after 5 Adam steps");
    }

    private static ConvolutionLayer conv() {
        return new ConvolutionLayer.Builder(3, 3).convolutionMode(ConvolutionMode.Same).nOut(4)
                .activation(Activation.IDENTITY).build();
    }

    private static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }
}
