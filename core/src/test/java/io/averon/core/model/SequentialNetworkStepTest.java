package io.averon.core.model;

import org.deeplearning4j.nn.api.OptimizationAlgorithm;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;


import static io.averon.core.model.ModelTesting.assertClose;
import static io.averon.core.model.ModelTesting.batch;
import static io.averon.core.model.ModelTesting.network;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SequentialNetworkStepTest {

    @Test
    void shouldTrainTwoHiddenLayersAsDl4jsFitDoesToFloatRounding() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT)
                .updater(new Adam(3e-3)).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nOut(32).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(16).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(4)
                        .build())
                .setInputType(InputType.feedForward(12)).build();
        assertSameTraining(conf, 4);
    }

    @Test
    void shouldTrainThePresetsWithoutDropoutAsDl4jsFitDoesToFloatRounding() {
        // logistic (softmax on the inputs) with Nesterov momentum; linear regression (identity, MSE) with Adam's schedule
        assertSameTraining(ModelFactory.presetConfiguration(ModelPreset.LOGISTIC, new int[] {12}, 4,
                new UpdaterSpec(Optimizer.NESTEROV, 0.05, LrSchedule.CONSTANT, 0.5, 2, 5), 3), 4);
        assertSameTraining(ModelFactory.presetConfiguration(ModelPreset.LINEAR, new int[] {12}, 1,
                UpdaterSpec.adam(1e-2), 3), 1);
    }

    @Test
    void shouldDropTheShareDl4jDropsScaledAsDl4jScales() {
        AveronModel model = ModelFactory.create(ModelSpec.parse("mlp"), new int[] {12}, 4, UpdaterSpec.adam(1e-3), 2);
        AveronModel again = ModelFactory.create(ModelSpec.parse("mlp"), new int[] {12}, 4, UpdaterSpec.adam(1e-3), 2);
        assertNotNull(SequentialNetworkStep.forNetwork((MultiLayerNetwork) model.dl4j()), "the mlp preset takes the fused step");
        INDArray[] batch = batch(0, 64, 12, 4);
        Nd4j.getRandom().setSeed(9);
        model.fit(batch[0], batch[1]);
        Nd4j.getRandom().setSeed(9);
        again.fit(batch[0], batch[1]);
        assertArrayEquals(model.params().toFloatVector(), again.params().toFloatVector(), "same seed, same masks, same step");
        Nd4j.getRandom().setSeed(10);
        again.fit(batch[0], batch[1]);
        Nd4j.getRandom().setSeed(11);
        model.fit(batch[0], batch[1]);
        assertTrue(model.params().sub(again.params()).amaxNumber().doubleValue() > 0, "another seed, other masks");

        INDArray ones = Nd4j.ones(DataType.FLOAT, 400, 250);
        INDArray mask = Nd4j.ones(DataType.FLOAT, 400, 250);
        Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.random.impl.DropOutInverted(mask, mask, 0.8));
        double dropped = mask.eq(0).castTo(DataType.FLOAT).meanNumber().doubleValue();
        assertEquals(0.2, dropped, 0.01, "DL4J's DropoutLayer(0.8) keeps 80%");
        assertEquals(1 / 0.8, mask.maxNumber().doubleValue(), 1e-6, "kept values scaled by 1/p");
        assertEquals(ones.sumNumber().doubleValue(), ones.mul(mask).sumNumber().doubleValue(), 0.02 * ones.length());
    }

    @Test
    void shouldLeaveOtherNetworksToDl4j() {
        MultiLayerConfiguration regularised = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Adam(1e-3)).l2(1e-4).list()
                .layer(new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(3)
                        .build())
                .setInputType(InputType.feedForward(5)).build();
        MultiLayerConfiguration inputDropout = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Adam(1e-3)).list()
                .layer(new DropoutLayer.Builder(0.9).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(3)
                        .build())
                .setInputType(InputType.feedForward(5)).build();
        MultiLayerConfiguration layerDropout = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Adam(1e-3)).list()
                .layer(new DenseLayer.Builder().nOut(8).dropOut(0.5).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(3)
                        .build())
                .setInputType(InputType.feedForward(5)).build();
        MultiLayerConfiguration lineSearch = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .optimizationAlgo(OptimizationAlgorithm.LBFGS).updater(new Adam(1e-3)).list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(3)
                        .build())
                .setInputType(InputType.feedForward(5)).build();
        for (MultiLayerConfiguration conf : new MultiLayerConfiguration[] {regularised, inputDropout, layerDropout,
            lineSearch}) {
            assertNull(SequentialNetworkStep.forNetwork(network(conf)));
        }
        MultiLayerConfiguration pnorm = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Adam(1e-3)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.PNORM).pnorm(2).kernelSize(2, 2)
                        .stride(2, 2).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(3)
                        .build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1)).build();
        MultiLayerConfiguration channelsLast = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Adam(1e-3)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).dataFormat(CNN2DFormat.NHWC)
                        .activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(3)
                        .build())
                .setInputType(InputType.convolutional(8, 8, 1, CNN2DFormat.NHWC)).build();
        MultiLayerConfiguration shapeUnknown = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Adam(1e-3)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nIn(1).nOut(4).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nIn(4 * 6 * 6).nOut(3).build())
                .inputPreProcessor(1, new CnnToFeedForwardPreProcessor()) // learns the image's shape from its input
                .build();
        AveronModel learnsShape = AveronModel.of(network(shapeUnknown));
        assertNull(learnsShape.sequentialStep(), "a reshape that does not know its shape yet");
        INDArray[] images = batch(2, 4, 64, 3);
        learnsShape.fit(images[0].reshape(4, 1, 8, 8), images[1]);
        assertTrue(Double.isFinite(learnsShape.lastLoss()), "DL4J's fit trains it");
        MultiLayerNetwork frozen = new TransferLearning.Builder(network(ModelFactory.presetConfiguration(ModelPreset.CNN,
                new int[] {1, 16, 16}, 3, UpdaterSpec.adam(1e-3), 1))).setFeatureExtractor(1).build();
        AveronModel transfer = AveronModel.of(frozen);
        assertNull(transfer.sequentialStep(), "frozen layers (transfer learning)");
        INDArray before = frozen.getLayer(0).params().dup();
        INDArray[] rows = batch(3, 4, 256, 3);
        transfer.fit(rows[0], rows[1]);
        assertArrayEquals(before.toFloatVector(), frozen.getLayer(0).params().toFloatVector(), "DL4J keeps them frozen");
        assertNull(SequentialNetworkStep.forNetwork(network(pnorm)), "p-norm pooling");
        assertNull(SequentialNetworkStep.forNetwork(network(channelsLast)), "channels-last images");
        assertNotNull(SequentialNetworkStep.forNetwork((MultiLayerNetwork) ModelFactory.create(ModelSpec.parse("mlp"),
                new int[] {5}, 3, UpdaterSpec.adam(1e-3), 1).dl4j()));
    }

    @Test
    void shouldTrainTheCnnPresetAsDl4jsFitDoesToFloatRounding() {
        // two 5x5 convolutions with ReLU (the first computes no input gradient), two max poolings, the
        // reshapes between images and rows, a dense ReLU layer and softmax: the cnn preset on 16x16 images
        assertSameTraining(ModelFactory.presetConfiguration(ModelPreset.CNN, new int[] {1, 16, 16}, 4,
                UpdaterSpec.adam(2e-3), 3), 256, 4);
    }

    @Test
    void shouldTrainOtherConvolutionsAndPoolingsAsDl4jsFitDoesToFloatRounding() {
        // "same" padding and a strided first layer (its input gradient then comes from conv2d_bp and is
        // dropped), tanh, average pooling in "same" mode, two input channels, SGD with momentum
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.FLOAT)
                .updater(new Nesterovs(0.05, 0.9)).weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Same)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(6).activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(5).activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(3, 3).stride(2, 2)
                        .build())
                .layer(new ConvolutionLayer.Builder(2, 2).nOut(4).activation(Activation.RELU)
                        .convolutionMode(ConvolutionMode.Truncate).padding(1, 1).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(3)
                        .build())
                .setInputType(InputType.convolutionalFlat(11, 11, 2)).build();
        assertSameTraining(conf, 242, 3);
    }

    @Test
    void shouldTakeImagesAsWellAsRows() {
        AveronModel model = ModelFactory.create(ModelSpec.parse("cnn"), new int[] {1, 16, 16}, 3, UpdaterSpec.adam(1e-3), 2);
        AveronModel again = ModelFactory.create(ModelSpec.parse("cnn"), new int[] {1, 16, 16}, 3, UpdaterSpec.adam(1e-3), 2);
        INDArray[] batch = batch(4, 8, 256, 3);
        model.fit(batch[0], batch[1]);
        again.fit(batch[0].reshape(8, 1, 16, 16), batch[1]);
        assertEquals(2, model.sequentialStep().steps() + again.sequentialStep().steps(), "both through the step");
        assertArrayEquals(model.params().toFloatVector(), again.params().toFloatVector(), "the same step");
        assertFalse(model.sequentialStep().accepts(Nd4j.zeros(DataType.FLOAT, 8, 255), batch[1]), "rows of another width");
        assertFalse(model.sequentialStep().accepts(Nd4j.zeros(DataType.FLOAT, 8, 2, 16, 16), batch[1]),
                "images of other channels");
    }

    /**
     * Trains the same configuration through AveronModel (the step) and DL4J's fit and asserts they
     * agree to float rounding: the step's products and convolutions are the same sums in another
     * order, so single values may differ in their last bits, never more.
     */
    private static void assertSameTraining(MultiLayerConfiguration conf, int outputs) {
        assertSameTraining(conf, (int) network(conf).getLayer(0).getParam("W").size(0), outputs);
    }

    private static void assertSameTraining(MultiLayerConfiguration conf, int features, int outputs) {
        AveronModel averon = AveronModel.of(network(conf));
        assertNotNull(SequentialNetworkStep.forNetwork((MultiLayerNetwork) averon.dl4j()));
        MultiLayerNetwork plain = network(conf);
        for (int step = 0; step < 30; step++) {
            int rows = step % 10 == 9 ? 5 : 16; // a short tail batch now and then, as at the end of an epoch
            INDArray[] batch = batch(step, rows, features, outputs);
            averon.fit(batch[0], batch[1]);
            plain.fit(batch[0], batch[1]);
            assertEquals(plain.score(), averon.lastLoss(), 1e-6 * Math.abs(plain.score()), "loss at step " + step);
        }
        assertClose(plain.params(), averon.params(), 1e-5, "weights");
        if (plain.getUpdater().getStateViewArray() != null) {
            assertClose(plain.getUpdater().getStateViewArray(), averon.updaterState(), 1e-5, "updater state");
        }
        assertEquals(plain.getIterationCount(), ((MultiLayerNetwork) averon.dl4j()).getIterationCount());
        assertEquals(30, averon.sequentialStep().steps(), "every step through the step");
        INDArray moved = averon.params().sub(network(conf).params());
        assertTrue(moved.amaxNumber().doubleValue() > 1e-3, "training moved the weights");
    }
}
