package io.averon.core.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Field;
import java.util.List;
import java.util.SplittableRandom;

import static io.averon.core.model.ModelTesting.trainedByDl4jsFit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The convolution layers of a network DL4J's fit trains (the cnn preset's, regularised) keep their
 * forward output for the backward pass (DL4J's cache mode) instead of convolving again, and train
 * exactly as DL4J's own step does.
 */
@Tag("onednn") // DL4J's oneDNN helper path, as convolutional models train (a JVM of its own: core/pom.xml)
class ConvolutionOutputCacheTest {

    @BeforeAll
    static void chooseOneDnn() {
        NativeRuntime.configure(new NativeSettings(1, true)); // before anything else touches ND4J in this JVM
        assertTrue(NativeRuntime.oneDnnActive(), "ND4J's oneDNN build is loaded");
    }

    private static final int SIDE = 16;
    private static final int CLASSES = 4;

    @Test
    void shouldTrainAsDl4jBitForBitWhileReusingEachForwardConvolution() throws Exception {
        // with an L2 penalty: Averon's own step leaves the network to DL4J's fit, whose layers keep the outputs
        MultiLayerConfiguration conf = trainedByDl4jsFit(ModelFactory.presetConfiguration(ModelPreset.CNN,
                new int[] {1, SIDE, SIDE}, CLASSES, UpdaterSpec.adam(2e-3), 9));
        MultiLayerNetwork plain = new MultiLayerNetwork(conf.clone());
        plain.init();
        // the same first-layer helper as Averon's model has: the two differ in the cache only
        assertNotNull(FirstConvolutionHelper.installOn((ConvolutionLayer) plain.getLayer(0)));
        MultiLayerNetwork wrapped = new MultiLayerNetwork(conf.clone());
        wrapped.init();
        AveronModel averon = AveronModel.of(wrapped);
        for (int step = 0; step < 12; step++) {
            INDArray[] batch = images(step, 8);
            averon.fit(batch[0], batch[1]);
            plain.fit(batch[0], batch[1]);
        }

        List<Layer> convolutions = convolutions(wrapped);
        assertEquals(2, convolutions.size());
        for (Layer layer : convolutions) {
            assertEquals(CacheMode.DEVICE, ((ConvolutionLayer) layer).getCacheMode());
            assertNotNull(cachedOutput(layer), "layer " + layer.getIndex() + " kept its forward output for backprop");
        }
        for (Layer layer : convolutions(plain)) {
            assertNull(cachedOutput(layer), "DL4J's default convolves again in backprop");
        }
        assertArrayEquals(plain.params().toFloatVector(), averon.params().toFloatVector(), "parameters");
        assertArrayEquals(plain.getUpdater().getStateViewArray().toFloatVector(), averon.updaterState().toFloatVector(),
                "Adam's moments");
        assertEquals(plain.score(), averon.lastLoss(), "the last minibatch's loss");
    }

    @Test
    void shouldLeaveNetworksWithoutConvolutionsAsTheyWere() {
        AveronModel mlp = ModelFactory.create(ModelSpec.parse("mlp"), new int[] {20}, 3, UpdaterSpec.adam(1e-3), 1);
        assertEquals(CacheMode.NONE, ((MultiLayerNetwork) mlp.dl4j()).getLayerWiseConfigurations().getCacheMode());
    }

    private static List<Layer> convolutions(MultiLayerNetwork network) {
        return List.of(network.getLayers()).stream().filter(l -> l instanceof ConvolutionLayer).toList();
    }

    /** DL4J's cached pre-activations of a layer (a protected field of its AbstractLayer), or null. */
    private static INDArray cachedOutput(Layer layer) throws ReflectiveOperationException {
        Field field = org.deeplearning4j.nn.layers.AbstractLayer.class.getDeclaredField("preOutput");
        field.setAccessible(true);
        return (INDArray) field.get(layer);
    }

    private static INDArray[] images(int seed, int rows) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[rows * SIDE * SIDE];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble();
        }
        float[] y = new float[rows * CLASSES];
        for (int r = 0; r < rows; r++) {
            y[r * CLASSES + random.nextInt(CLASSES)] = 1f;
        }
        return new INDArray[] {Nd4j.create(x, new long[] {rows, SIDE * SIDE}, 'c').castTo(DataType.FLOAT),
                Nd4j.create(y, new long[] {rows, CLASSES}, 'c')};
    }
}
