package io.averon.core.model;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogitsCrossEntropyTest {

    private static final INDArray LOGITS = Nd4j.createFromArray(new double[][] {{2.0, -1.0, 0.5}, {30.0, 0.0, -30.0}})
            .castTo(DataType.DOUBLE);
    private static final INDArray LABELS = Nd4j.createFromArray(new double[][] {{0, 0, 1}, {0, 1, 0}})
            .castTo(DataType.DOUBLE);

    @Test
    void shouldEqualSoftmaxCrossEntropyWhenGivenLogits() {
        double fromLogits = new LogitsCrossEntropy().computeScore(LABELS, LOGITS, new ActivationIdentity(), null, true);
        // by hand: mean over rows of logsumexp(z) - z[true]
        double row0 = Math.log(Math.exp(2.0) + Math.exp(-1.0) + Math.exp(0.5)) - 0.5;
        double row1 = 30.0 + Math.log(1 + Math.exp(-30.0) + Math.exp(-60.0)) - 0.0;
        assertEquals((row0 + row1) / 2, fromLogits, 1e-9);
        // and agrees with DL4J's softmax + MCXENT where that is not clipped
        INDArray first = LOGITS.getRow(0, true);
        double dl4j = new LossMCXENT().computeScore(LABELS.getRow(0, true), first, new ActivationSoftmax(), null, true);
        assertEquals(dl4j, new LogitsCrossEntropy().computeScore(LABELS.getRow(0, true), first,
                new ActivationIdentity(), null, true), 1e-9);
    }

    @Test
    void shouldGiveTheNumericalGradientWhenDifferentiated() {
        LogitsCrossEntropy loss = new LogitsCrossEntropy();
        INDArray z = Nd4j.createFromArray(new double[][] {{0.3, -0.2, 1.1}});
        INDArray y = Nd4j.createFromArray(new double[][] {{0, 1, 0}});
        INDArray grad = loss.computeGradient(y, z, new ActivationIdentity(), null);
        double h = 1e-6;
        for (int k = 0; k < 3; k++) {
            INDArray plus = z.dup();
            plus.putScalar(0, k, z.getDouble(0, k) + h);
            INDArray minus = z.dup();
            minus.putScalar(0, k, z.getDouble(0, k) - h);
            double numeric = (loss.computeScore(y, plus, new ActivationIdentity(), null, false)
                    - loss.computeScore(y, minus, new ActivationIdentity(), null, false)) / (2 * h);
            assertEquals(numeric, grad.getDouble(0, k), 1e-6, "d loss / d z" + k);
        }
    }

    @Test
    void shouldPredictProbabilitiesAndSurviveItsJsonWhenAModelIsTrainedOnLogits() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Sgd(0.1)).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(8).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(new LogitsCrossEntropy()).activation(Activation.IDENTITY).nOut(3).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        AveronModel model = AveronModel.of(net);
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 4);

        INDArray p = model.output(x);

        assertTrue(model.logitsOutput());
        assertFalse(model.regressionOutput(), "logits are a classifier's, not regression values");
        assertArrayEquals(new float[] {1, 1, 1, 1, 1}, p.sum(1).toFloatVector(), 1e-5f);
        assertTrue(p.minNumber().doubleValue() > 0);
        AveronModel copy = AveronModel.fromConfiguration(model.kind(), model.configurationJson());
        assertTrue(copy.logitsOutput(), "the loss survives the model's configuration JSON");
        copy.setParams(model.params());
        assertEquals(p, copy.output(x));
    }
}
