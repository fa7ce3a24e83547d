package io.averon.core.model;

import io.averon.core.InvalidInputException;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.TrainTestData;
import io.averon.core.train.MinibatchFeeder;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Builds the model for the data and proves they fit together before training starts: task
 * (classes vs. regression), feature width, and output width.
 */
public final class ModelCheck {

    private ModelCheck() {
    }

    public static AveronModel build(ModelSpec spec, TrainTestData data, UpdaterSpec updater, long seed) {
        return build(spec, data.train(), updater, seed);
    }

    /** As {@link #build(ModelSpec, TrainTestData, UpdaterSpec, long)}, for the training data or a probe example of it. */
    public static AveronModel build(ModelSpec spec, ArrayDataSet train, UpdaterSpec updater, long seed) {
        boolean regressionPreset = spec.preset() != null && spec.preset().regression();
        if (regressionPreset && train.isClassification()) {
            throw new InvalidInputException("model " + spec.source() + " predicts real values, but " + train.name()
                    + " has class labels " + train.classNames() + "; use logistic, mlp or cnn");
        }
        int outputs = train.isClassification() ? train.classes().numClasses() : 1;
        AveronModel model = ModelFactory.create(spec, train.exampleShape(), outputs, updater, seed);
        checkFits(model, train, spec.source());
        return model;
    }

    /** Runs one example through the model: any shape mismatch becomes a one-line input error. */
    public static void checkFits(AveronModel model, ArrayDataSet data, String modelName) {
        INDArray output;
        try {
            output = model.output(new MinibatchFeeder(data, 1).fill(null, 0, 1).features());
        } catch (RuntimeException e) {
            String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new InvalidInputException("model " + modelName + " does not accept examples of shape "
                    + Arrays.toString(data.exampleShape()) + " from " + data.name() + " (" + detail + ")", e);
        }
        long width = output.size(output.rank() - 1);
        long expected = data.isClassification() ? data.classes().numClasses() : 1;
        if (width != expected) {
            throw new InvalidInputException("model " + modelName + " has " + width + " outputs, but " + data.name()
                    + (data.isClassification() ? " has " + expected + " classes " + data.classNames() : " has one regression target"));
        }
    }
}
