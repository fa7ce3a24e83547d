package io.averon.examples;

import io.averon.core.artifact.Manifest;
import io.averon.core.artifact.ModelArtifact;
import io.averon.core.artifact.ModelDescription;
import io.averon.core.data.DataSources;
import io.averon.core.data.DataSpec;
import io.averon.core.data.TrainTestData;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;
import io.averon.core.train.EpochRecord;
import io.averon.core.train.LocalTrainer;
import io.averon.core.train.TrainingConfig;
import io.averon.core.train.TrainingListener;
import io.averon.core.train.TrainingResult;

import java.nio.file.Path;
import java.util.Map;

/**
 * The Keras "basic classification" lesson with Averon's Java API: load Fashion-MNIST, build the
 * Flatten/Dense/Dropout/softmax MLP, train it, look at the held-out accuracy, save the model.
 *
 * <p>Arguments: {@code [data] [epochs] [out.zip]}, defaults {@code fashion-mnist 5 fashion-mlp.zip}.
 */
public final class FashionMlpExample {

    private FashionMlpExample() {
    }

    public static void main(String[] args) {
        String data = args.length > 0 ? args[0] : DataSpec.FASHION_MNIST;
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path out = Path.of(args.length > 2 ? args[2] : "fashion-mlp.zip");
        TrainingResult result = run(data, epochs, out);
        System.out.printf("test accuracy %.4f after %d epochs; model in %s%n",
                result.finalMetrics().accuracy(), result.epochs().size(), out);
    }

    /** Trains the MLP on {@code data} and saves it to {@code out}. */
    public static TrainingResult run(String data, int epochs, Path out) {
        ModelSpec mlp = ModelSpec.parse("mlp");
        NativeRuntime.configure(new NativeSettings(Runtime.getRuntime().availableProcessors(), mlp.convolutional()));

        DataSpec spec = DataSpec.builder(data).build();
        TrainingConfig config = TrainingConfig.builder().epochs(epochs).seed(42).build();
        TrainTestData split = DataSources.loadForTraining(spec, config.seed());
        AveronModel model = ModelFactory.create(mlp, split.train().exampleShape(),
                split.train().classes().numClasses(), config.updater(), config.seed());

        TrainingResult result = new LocalTrainer(config).fit(model, split.train(), split.test(), new TrainingListener() {
            @Override
            public void onEpochEnd(EpochRecord r) {
                System.out.printf("epoch %d: train loss %.4f, test accuracy %.4f%n", r.epoch(), r.trainLoss(),
                        r.test().accuracy());
            }
        });

        ModelArtifact.write(out, model, new ModelDescription(split.train().classNames(), split.train().exampleShape(),
                split.normalizer(), split.split(), Map.of("model", "mlp", "epochs", epochs), config.seed(),
                new Manifest.DataProvenance(data, split.train().fingerprint(), split.train().size(), split.test().size())));
        return result;
    }
}
