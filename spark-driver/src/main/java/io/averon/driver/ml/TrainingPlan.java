package io.averon.driver.ml;

import io.averon.core.InvalidInputException;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.Optimizer;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.training.AveragingMode;
import io.averon.driver.training.SparkTrainingConfig;

import java.util.Arrays;
import java.util.Locale;

/**
 * An estimator's params turned into Averon's validated settings: the model to build, its
 * optimiser, the shape of one example and the Spark engine's configuration. Built by
 * {@code transformSchema} (so bad settings are refused before any job) and again by {@code fit}.
 *
 * @param shape the example shape given by {@code inputShape}, or an empty array (a flat vector)
 */
record TrainingPlan(ModelSpec spec, UpdaterSpec updater, int[] shape, SparkTrainingConfig config) {

    static TrainingPlan of(AveronParams params, boolean classifier) {
        ModelSpec spec;
        try {
            spec = ModelSpec.parse(params.getModel());
        } catch (InvalidInputException e) {
            throw new InvalidInputException("model '" + params.getModel() + "': " + e.getMessage()
                    .replaceFirst("^--model \\S+: ", ""));
        }
        if (spec.preset() != null && spec.preset().regression() == classifier) {
            throw new InvalidInputException("model '" + params.getModel() + "' " + (classifier
                    ? "predicts real values; a classifier takes logistic, mlp, cnn or a DL4J configuration"
                    : "predicts classes; a regressor takes linear or a DL4J configuration"));
        }
        if (spec.preset() == null && (params.isSet(params.learningRate()) || params.isSet(params.optimizer()))) {
            throw new InvalidInputException("learningRate and optimizer set the built-in models' optimiser; model '"
                    + params.getModel() + "' carries its own (its \"updater\" in the JSON): set it there");
        }
        int[] shape = shape(params.getInputShape());
        if (spec.preset() != null && spec.preset().convolutional() && shape.length != 3) {
            throw new InvalidInputException("model '" + params.getModel() + "' needs inputShape channels,height,width "
                    + "(e.g. 1,28,28), got " + (shape.length == 0 ? "none" : params.getInputShape()));
        }
        Optimizer optimizer = Optimizer.valueOf(params.getOptimizer().toUpperCase(Locale.ROOT));
        int epochs = params.getEpochs();
        UpdaterSpec updater;
        try { // as `averon train` chooses it; the schedule is the preset's
            updater = UpdaterSpec.forModel(spec, optimizer, params.getLearningRate(), null,
                    UpdaterSpec.LR_DECAY.defaultValue(), UpdaterSpec.LR_STEP.defaultValue(), epochs);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("learningRate " + params.getLearningRate() + ": " + e.getMessage());
        }
        TrainingConfig training = TrainingConfig.builder().epochs(epochs).batchSize(params.getBatchSize())
                .seed(params.getSeed()).build();
        SparkTrainingConfig.Builder config = SparkTrainingConfig.builder(training).workers(params.getWorkers())
                .averaging(AveragingMode.valueOf(params.getAveraging().toUpperCase(Locale.ROOT)));
        if (params.getSyncEvery() != null) {
            config.syncEvery(params.getSyncEvery());
        }
        return new TrainingPlan(spec, updater, shape, config.build());
    }

    /** {@code "1,28,28"} as {@code [1, 28, 28]}; null as an empty array. */
    static int[] shape(String text) {
        if (text == null) {
            return new int[0];
        }
        try {
            int[] shape = Arrays.stream(text.split(",", -1)).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
            if (Arrays.stream(shape).allMatch(d -> d >= 1)) {
                return shape;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new InvalidInputException("inputShape '" + text + "': must be positive integers separated by commas, "
                + "e.g. 1,28,28");
    }

    /** Values in one example of the given shape, or -1 for a flat vector of any width. */
    int width() {
        return shape.length == 0 ? -1 : Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    }
}
