package io.averon.examples;

import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.TrainTestData;
import io.averon.core.model.AveronModel;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.run.Trained;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Map;

/**
 * Transfer learning and fine-tuning: train a CNN on five Fashion-MNIST classes (T-shirt ... Coat),
 * freeze its convolutional feature layers, replace the head, and fine-tune on the other five
 * (Sandal ... Ankle boot) with little data; then train the same model from scratch on the same
 * little data and compare.
 */
public final class TransferLearningExample implements Example {

    @Override
    public String name() {
        return "transfer-learning";
    }

    @Override
    public String summary() {
        return "pretrain a CNN on 5 classes, freeze its features, fine-tune a new head on the other 5 with little data";
    }

    @Override
    public Outcome run(ExampleContext context) {
        TrainTestData fashion = context.fashionMnist();
        long seed = context.seed();
        // source task: the first five classes, plenty of data
        ArrayDataSet sourceTrain = ExampleData.sample(ExampleData.classes(fashion.train(), 0, 5, "classes 0-4"),
                context.count(Integer.MAX_VALUE, 4000), seed);
        ArrayDataSet sourceTest = ExampleData.sample(ExampleData.classes(fashion.test(), 0, 5, "classes 0-4 test"),
                context.count(Integer.MAX_VALUE, 500), seed);
        // target task: the other five classes, little data
        int few = context.count(50, 25); // 5-10 images per class
        ArrayDataSet targetTrain = ExampleData.sample(ExampleData.classes(fashion.train(), 5, 5, "classes 5-9"), few, seed);
        ArrayDataSet targetTest = ExampleData.sample(ExampleData.classes(fashion.test(), 5, 5, "classes 5-9 test"),
                context.count(Integer.MAX_VALUE, 1000), seed);

        TrainingConfig pretraining = TrainingConfig.builder().epochs(context.epochs(3, 3)).batchSize(64).seed(seed).build();
        MultiLayerNetwork source = FashionCnnExample.model(5, seed);
        Trained pretrained = context.fit(context.trainer(pretraining), AveronModel.of(source), sourceTrain,
                sourceTest, "pretrain (classes 0-4)");
        context.print("pretrained on %d examples of %s: test accuracy %.4f", sourceTrain.size(), sourceTrain.classNames(),
                pretrained.training().finalMetrics().accuracy());

        // freeze the convolutional feature layers (0..3), keep the dense layer trainable, new 5-class output
        MultiLayerNetwork trained = (MultiLayerNetwork) pretrained.model().dl4j();
        MultiLayerNetwork transfer = new TransferLearning.Builder(trained)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-3)).seed(seed).build())
                .setFeatureExtractor(FashionCnnExample.FEATURE_LAYERS - 1)
                .removeOutputLayer()
                .addLayer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .weightInit(WeightInit.XAVIER).nIn(128).nOut(5).build())
                .build();
        long frozen = java.util.Arrays.stream(transfer.getLayers()).filter(l -> l instanceof FrozenLayer).count();

        TrainingConfig fineTuning = TrainingConfig.builder().epochs(context.epochs(10, 10)).batchSize(16).seed(seed).build();
        Trained tuned = context.fit(context.trainer(fineTuning), AveronModel.of(transfer), targetTrain,
                targetTest, "fine-tune (classes 5-9)");
        Trained scratch = context.fit(context.trainer(fineTuning),
                AveronModel.of(FashionCnnExample.model(5, seed)), targetTrain, targetTest, "from scratch (classes 5-9)");

        double transferAccuracy = tuned.training().finalMetrics().accuracy();
        double scratchAccuracy = scratch.training().finalMetrics().accuracy();
        context.print("with %d examples of %s: fine-tuned %.4f vs from scratch %.4f (%+.1f points)", targetTrain.size(),
                targetTrain.classNames(), transferAccuracy, scratchAccuracy, 100 * (transferAccuracy - scratchAccuracy));

        context.writeReport(context.report("transfer-learning: fine-tuning a pretrained CNN on 5 new classes", tuned,
                        targetTest)
                .note(String.format(java.util.Locale.ROOT, "Pretrained on %d images of %s (test accuracy %.4f); %d "
                                + "feature layers frozen; fine-tuned on %d images of %s: test accuracy %.4f. The same "
                                + "model trained from scratch on the same %d images: %.4f.", sourceTrain.size(),
                        sourceTrain.classNames(), pretrained.training().finalMetrics().accuracy(), frozen,
                        targetTrain.size(), targetTrain.classNames(), transferAccuracy, targetTrain.size(), scratchAccuracy))
                .config(Map.of("pretrain_examples", sourceTrain.size(), "fine_tune_examples", targetTrain.size(),
                        "test_examples", targetTest.size(), "frozen_layers", frozen)));
        return Outcome.of(name(), "pretrained_accuracy", pretrained.training().finalMetrics().accuracy(),
                "transfer_accuracy", transferAccuracy, "scratch_accuracy", scratchAccuracy,
                "gain", transferAccuracy - scratchAccuracy, "frozen_layers", frozen);
    }
}
