package io.averon.core.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import java.util.List;

import static io.averon.core.model.ModelTesting.batch;
import static io.averon.core.model.ModelTesting.network;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FusedAdamUpdaterTest {

    @Test
    void shouldGiveDl4jsAdamUpdatesAndMomentsBitForBit() {
        // 2.5 chunks, so the chunk seams are crossed; gradients over six orders of magnitude; a decaying rate
        int length = FusedAdamUpdater.CHUNK * 2 + FusedAdamUpdater.CHUNK / 2 + 3;
        Adam config = new Adam(new ExponentialSchedule(ScheduleType.ITERATION, 2e-3, 0.999));
        INDArray dl4jState = Nd4j.zeros(DataType.FLOAT, 1, 2L * length);
        INDArray fusedState = Nd4j.zeros(DataType.FLOAT, 1, 2L * length);
        AdamUpdater dl4j = (AdamUpdater) config.instantiate(dl4jState, true);
        FusedAdamUpdater fused = new FusedAdamUpdater(config, fusedState);
        Nd4j.getRandom().setSeed(11);
        long differing = 0;
        for (int iteration = 0; iteration < 600; iteration++) {
            INDArray gradient = Nd4j.randn(DataType.FLOAT, length).muli(Math.pow(10, -(iteration % 7)));
            INDArray dl4jUpdate = gradient.dup();
            INDArray fusedUpdate = gradient.dup();
            dl4j.applyUpdater(dl4jUpdate, iteration, 0);
            fused.applyUpdater(fusedUpdate, iteration, 0);
            differing += count(dl4jUpdate, fusedUpdate) + count(dl4jState, fusedState);
        }
        assertNotEquals(0.0, fusedState.amaxNumber().doubleValue(), "the moments moved");
        assertEquals(600, fused.fusedPasses(), "every update through the Java pass, none handed back to the op");
        assertEquals(0, differing, "values differing from DL4J's adam_updater op");
    }

    @Test
    void shouldTrainADenseNetworkExactlyAsDl4jsOwnUpdaterWould() {
        // the mlp preset without its dropout layer (DL4J's dropout masks cannot be replayed between two networks)
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT)
                .updater(new Adam(new ExponentialSchedule(ScheduleType.ITERATION, 2e-3, 0.99)))
                .weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nOut(64).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).nOut(3)
                        .build())
                .setInputType(InputType.feedForward(20)).build();
        AveronModel averon = AveronModel.of(network(conf));
        MultiLayerNetwork plain = network(conf);
        assertTrue(blocks(averon).stream().allMatch(b -> b.getGradientUpdater() instanceof FusedAdamUpdater));
        assertTrue(blocks((BaseMultiLayerUpdater<?>) plain.getUpdater()).stream()
                .allMatch(b -> b.getGradientUpdater() instanceof AdamUpdater));
        MultiLayerNetwork withFused = (MultiLayerNetwork) averon.dl4j(); // DL4J's fit, with the fused updater in its blocks
        for (int step = 0; step < 40; step++) {
            INDArray[] batch = batch(step, 16, 20, 3);
            withFused.fit(batch[0], batch[1]);
            plain.fit(batch[0], batch[1]);
        }
        assertArrayEquals(plain.params().toFloatVector(), averon.params().toFloatVector());
        assertArrayEquals(plain.getUpdater().getStateViewArray().toFloatVector(), averon.updaterState().toFloatVector());
        assertEquals(plain.score(), withFused.score());
        assertEquals(40, ((FusedAdamUpdater) blocks(averon).get(0).getGradientUpdater()).fusedPasses());
    }

    @Test
    void shouldTrainAGraphWithSeveralUpdaterBlocksExactlyAsDl4j() {
        // batch norm's running mean and variance are a no-op block between Adam blocks: the later blocks
        // sit at offsets inside the flat gradient and state arrays
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutionalFlat(6, 6, 1))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().activation(Activation.RELU).build(), "conv")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "bn")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).nOut(3).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph plain = new ComputationGraph(conf.clone());
        plain.init();
        ComputationGraph graph = new ComputationGraph(conf.clone());
        graph.init();
        AveronModel averon = AveronModel.of(graph);
        List<UpdaterBlock> blocks = blocks(averon);
        assertTrue(blocks.size() >= 3, "blocks: " + blocks.size());
        assertTrue(blocks.stream().anyMatch(b -> b.getGradientUpdater() instanceof FusedAdamUpdater
                && b.getParamOffsetStart() > 0), "an Adam block after the first");
        for (int step = 0; step < 25; step++) {
            INDArray[] batch = batch(step, 8, 36, 3);
            averon.fit(batch[0], batch[1]);
            plain.fit(new DataSet(batch[0], batch[1]));
        }
        assertArrayEquals(plain.params().toFloatVector(), averon.params().toFloatVector());
        assertArrayEquals(plain.getUpdater().getStateViewArray().toFloatVector(), averon.updaterState().toFloatVector());
        for (UpdaterBlock block : blocks) {
            if (block.getGradientUpdater() instanceof FusedAdamUpdater fused) {
                assertEquals(25, fused.fusedPasses(), "block at offset " + block.getParamOffsetStart());
            }
        }
    }

    @Test
    void shouldKeepTheFusedUpdaterWhenTheLearningRateIsReplaced() {
        AveronModel model = ModelFactory.create(ModelSpec.parse("mlp"), new int[] {20}, 3, UpdaterSpec.adam(1e-3), 1);
        INDArray before = model.updaterState().dup();
        model.setLearningRate(0.05);
        assertTrue(blocks(model).stream().allMatch(b -> b.getGradientUpdater() instanceof FusedAdamUpdater));
        assertArrayEquals(before.toFloatVector(), model.updaterState().toFloatVector());
        INDArray[] batch = batch(0, 4, 20, 3);
        INDArray params = model.params().dup();
        model.fit(batch[0], batch[1]);
        // Adam's first step moves every weight with a non-zero gradient by about the learning rate
        double largest = model.params().sub(params).amaxNumber().doubleValue();
        assertEquals(0.05, largest, 0.01);
    }

    private static List<UpdaterBlock> blocks(AveronModel model) {
        Object dl4j = model.dl4j();
        return blocks(dl4j instanceof MultiLayerNetwork n ? (BaseMultiLayerUpdater<?>) n.getUpdater()
                : ((ComputationGraph) dl4j).getUpdater());
    }

    private static List<UpdaterBlock> blocks(BaseMultiLayerUpdater<?> updater) {
        return updater.getUpdaterBlocks();
    }

    private static long count(INDArray expected, INDArray actual) {
        float[] a = expected.toFloatVector();
        float[] b = actual.toFloatVector();
        long n = 0;
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToIntBits(a[i]) != Float.floatToIntBits(b[i])) {
                n++;
            }
        }
        return n;
    }
}
