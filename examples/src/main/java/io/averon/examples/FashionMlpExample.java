package io.averon.examples;

import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.TrainTestData;
import io.averon.core.model.AveronModel;
import io.averon.core.model.LogitsCrossEntropy;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.run.Trained;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

import java.util.Map;

/**
 * The Keras "basic classification" tutorial, distributed:
 * <pre>
 * model = Sequential([Flatten(input_shape=(28, 28)), Dense(128, activation='relu'), Dropout(0.2), Dense(10)])
 * model.compile(optimizer='adam', loss=SparseCategoricalCrossentropy(from_logits=True), metrics=['accuracy'])
 * model.fit(train_images, train_labels, epochs=10)
 * probability_model = Sequential([model, Softmax()])
 * </pre>
 * The last layer emits logits and is trained with {@link LogitsCrossEntropy}; Averon applies the
 * softmax when it predicts, so {@code output()} gives probabilities.
 */
public final class FashionMlpExample implements Example {

    @Override
    public String name() {
        return "fashion-mlp";
    }

    @Override
    public String summary() {
        return "Keras' tutorial MLP (Flatten, Dense 128 ReLU, Dropout 0.2, Dense 10 logits) on Fashion-MNIST";
    }

    /** The tutorial's model, for images of {@code height x width} and {@code classes} classes. */
    static MultiLayerNetwork model(int height, int width, int classes, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(1e-3))
                .weightInit(WeightInit.XAVIER)
                .list()
                // Flatten: DL4J flattens the 28x28 image in front of the first dense layer
                .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
                .layer(new DropoutLayer.Builder(0.8).build()) // DL4J takes the probability to keep: rate 0.2
                .layer(new OutputLayer.Builder(new LogitsCrossEntropy()).activation(Activation.IDENTITY)
                        .nOut(classes).build())
                .setInputType(InputType.convolutionalFlat(height, width, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Override
    public Outcome run(ExampleContext context) {
        TrainTestData fashion = context.fashionMnist();
        ArrayDataSet train = ExampleData.sample(fashion.train(), context.count(Integer.MAX_VALUE, 4000), context.seed());
        ArrayDataSet test = ExampleData.sample(fashion.test(), context.count(Integer.MAX_VALUE, 1000), context.seed());
        AveronModel model = AveronModel.of(model(28, 28, train.classes().numClasses(), context.seed()));

        TrainingConfig config = TrainingConfig.builder().epochs(context.epochs(10, 4)).batchSize(64)
                .seed(context.seed()).build();
        Trained result = context.fit(context.trainer(config), model, train, test, "mlp");

        // prediction: probabilities (the softmax is applied to the logits here)
        INDArray probabilities = result.model().output(
                org.nd4j.linalg.factory.Nd4j.create(java.util.Arrays.copyOf(test.features(), test.featureLength()),
                        new long[] {1, test.featureLength()}));
        int predicted = probabilities.argMax(1).getInt(0);
        context.print("first test image: a %s, predicted %s with probability %.3f", test.classNames()
                .get(test.classes().values()[0]), test.classNames().get(predicted), probabilities.getDouble(0, predicted));

        double accuracy = result.training().finalMetrics().accuracy();
        context.writeReport(context.report("fashion-mlp: Keras' tutorial MLP on Fashion-MNIST", result, test)
                .config(Map.of("train_examples", train.size(), "test_examples", test.size(), "workers", result.workers(),
                        "epochs", config.epochs(), "batch_size", config.batchSize())));
        return Outcome.of(name(), "test_accuracy", accuracy, "workers", result.workers());
    }
}
