package io.averon.examples;

import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.TrainTestData;
import io.averon.core.model.AveronModel;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.run.Trained;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Map;

/**
 * Image classification with a small CNN (TensorFlow's "CNN" tutorial shape): two blocks of 3x3
 * convolution + 2x2 max pooling, a dense layer and a softmax, on Fashion-MNIST.
 */
public final class FashionCnnExample implements Example {

    @Override
    public String name() {
        return "fashion-cnn";
    }

    @Override
    public String summary() {
        return "a small CNN (conv 32, pool, conv 64, pool, dense 128, softmax) on Fashion-MNIST";
    }

    /** Convolutional feature layers (the first {@value #FEATURE_LAYERS}) and a classifier head. */
    static MultiLayerNetwork model(int classes, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(1e-3))
                .weightInit(WeightInit.RELU) // He initialisation for ReLU layers
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(32).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(64).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
                .layer(new DropoutLayer.Builder(0.7).build()) // keep 70%: dropout rate 0.3
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .weightInit(WeightInit.XAVIER).nOut(classes).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Layers 0-3 (the convolutions and poolings) extract features; the rest classify. */
    static final int FEATURE_LAYERS = 4;

    @Override
    public Outcome run(ExampleContext context) {
        TrainTestData fashion = context.fashionMnist();
        ArrayDataSet train = ExampleData.sample(fashion.train(), context.count(Integer.MAX_VALUE, 4000), context.seed());
        ArrayDataSet test = ExampleData.sample(fashion.test(), context.count(Integer.MAX_VALUE, 1000), context.seed());
        AveronModel model = AveronModel.of(model(train.classes().numClasses(), context.seed()));

        TrainingConfig config = TrainingConfig.builder().epochs(context.epochs(6, 3)).batchSize(64)
                .seed(context.seed()).build();
        Trained result = context.fit(context.trainer(config), model, train, test, "cnn");

        double accuracy = result.training().finalMetrics().accuracy();
        context.writeReport(context.report("fashion-cnn: a small CNN on Fashion-MNIST", result, test)
                .config(Map.of("train_examples", train.size(), "test_examples", test.size(), "workers", result.workers(),
                        "epochs", config.epochs(), "batch_size", config.batchSize())));
        return Outcome.of(name(), "test_accuracy", accuracy, "workers", result.workers());
    }
}
