package io.averon.core.model;

import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import static io.averon.core.model.ModelTesting.assertClose;
import static io.averon.core.model.ModelTesting.batch;
import static io.averon.core.model.ModelTesting.network;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cnn preset through Averon's {@link SequentialNetworkStep} in ND4J's oneDNN build, as
 * convolutional models train, against DL4J's fit with DL4J's oneDNN layer helpers.
 */
@Tag("onednn") // a JVM of its own that loads ND4J's oneDNN build (core/pom.xml)
class SequentialNetworkStepOneDnnTest {

    @BeforeAll
    static void chooseOneDnn() {
        NativeRuntime.configure(new NativeSettings(1, true)); // before anything else touches ND4J in this JVM
        assertTrue(NativeRuntime.oneDnnActive(), "ND4J's oneDNN build is loaded");
    }

    @Test
    void shouldTrainTheCnnPresetAsDl4jsFitWithItsOneDnnHelpersDoesToFloatRounding() {
        int side = 28;
        int classes = 10;
        MultiLayerConfiguration conf = ModelFactory.presetConfiguration(ModelPreset.CNN, new int[] {1, side, side},
                classes, UpdaterSpec.adam(2e-3), 9);
        MultiLayerNetwork plain = network(conf);
        assertNotNull(plain.getLayer(0).getHelper(), "DL4J's oneDNN helper on the first convolution");
        AveronModel averon = AveronModel.of(network(conf));
        for (int step = 0; step < 12; step++) {
            INDArray[] batch = batch(step, step == 11 ? 5 : 16, side * side, classes);
            averon.fit(batch[0], batch[1]);
            plain.fit(batch[0], batch[1]);
            assertEquals(plain.score(), averon.lastLoss(), 1e-5 * plain.score(), "loss at step " + step);
        }
        assertEquals(12, averon.sequentialStep().steps(), "every step through Averon's step");
        assertClose(plain.params(), averon.params(), 1e-4, "parameters after 12 Adam steps");
        assertClose(plain.getUpdater().getStateViewArray(), averon.updaterState(), 1e-4, "Adam's moments");
    }
}
