package io.averon.core.model;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the model tests share: generated minibatches, networks from one configuration, float comparison. */
final class ModelTesting {

    private ModelTesting() {
    }

    /**
     * A minibatch of {@code rows} examples of {@code width} features uniform in [-1, 1), drawn from
     * {@code seed}; labels one-hot over {@code outputs} classes, or (one output) values in [-2, 2).
     */
    static INDArray[] batch(int seed, int rows, int width, int outputs) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[rows * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        float[] y = new float[rows * outputs];
        for (int r = 0; r < rows; r++) {
            if (outputs == 1) {
                y[r] = (float) random.nextDouble(-2, 2);
            } else {
                y[r * outputs + random.nextInt(outputs)] = 1f;
            }
        }
        return new INDArray[] {Nd4j.create(x, new long[] {rows, width}, 'c'), Nd4j.create(y, new long[] {rows, outputs}, 'c')};
    }

    /**
     * {@code conf} with a small L2 penalty on its output layer: a network {@link SequentialNetworkStep}
     * leaves to DL4J's own {@code fit}, for the tests of what Averon sets up in DL4J's layers.
     */
    static MultiLayerConfiguration trainedByDl4jsFit(MultiLayerConfiguration conf) {
        MultiLayerConfiguration copy = conf.clone();
        ((BaseLayer) copy.getConf(copy.getConfs().size() - 1).getLayer())
                .setRegularization(List.of(new L2Regularization(1e-4)));
        return copy;
    }

    /** A fresh, initialised network of (a copy of) {@code conf}. */
    static MultiLayerNetwork network(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf.clone());
        net.init();
        return net;
    }

    /** Equal but for float rounding: every value within {@code relative} of the expected array's largest magnitude. */
    static void assertClose(INDArray expected, INDArray actual, double relative, String what) {
        assertEquals(expected.length(), actual.length(), what + ": lengths");
        float[] values = actual.toFloatVector(); // libnd4j's amax skips NaN: check every value is finite first
        for (int i = 0; i < values.length; i++) {
            int at = i;
            assertTrue(Float.isFinite(values[i]), () -> what + ": value " + at + " is " + values[at]);
        }
        double scale = expected.amaxNumber().doubleValue();
        double worst = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(worst <= relative * scale, what + ": largest difference " + worst + " against values up to " + scale);
    }
}
