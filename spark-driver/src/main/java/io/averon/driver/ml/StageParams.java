package io.averon.driver.ml;

import io.averon.core.data.DataSpec;
import io.averon.core.model.ModelPreset;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.Optimizer;
import io.averon.core.model.UpdaterSpec;
import io.averon.core.train.TrainingConfig;
import io.averon.driver.scoring.BatchScorer;
import io.averon.driver.training.AveragingMode;
import io.averon.driver.training.SparkTrainingConfig;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The Spark ML params of one Averon stage (estimator or model), created for their owner (parent =
 * its uid) with their validators, and their defaults set on it. The defaults are Averon's own
 * settings' ({@code TrainingConfig.EPOCHS}, {@code SparkTrainingConfig.WORKERS}, ...); params
 * without a default (learning rate, sync cadence, input shape) leave the choice to Averon, as the
 * command line does when the option is not given.
 */
public final class StageParams implements Serializable {

    private static final long serialVersionUID = 1L;

    final Param<String> featuresCol;
    final Param<String> labelCol;
    final Param<String> predictionCol;
    final Param<String> errorCol;
    /** Classifier stages only (null otherwise). */
    final Param<String> probabilityCol;
    /** Classifier stages only (null otherwise). */
    final Param<String> rawPredictionCol;
    final Param<String> model;
    final Param<String> inputShape;
    final IntParam epochs;
    final IntParam batchSize;
    final IntParam workers;
    final IntParam syncEvery;
    final Param<String> averaging;
    final Param<String> optimizer;
    final DoubleParam learningRate;
    final LongParam seed;
    final DoubleParam validationFraction;
    final Param<String> validationIndicatorCol;

    /**
     * @param owner        the stage the params belong to
     * @param classifier   whether it predicts classes (adds the probability and raw prediction columns)
     * @param defaultModel the {@code model} default: Averon's default model for a classifier, the
     *                     regression preset for a regressor
     */
    StageParams(Params owner, boolean classifier, String defaultModel) {
        featuresCol = new Param<>(owner, "featuresCol",
                "features column: a Spark ML vector, an array of numbers, or binary with one byte (0-255) per value");
        labelCol = new Param<>(owner, "labelCol", classifier
                ? "label column: class indices 0, 1, ... as numbers (what StringIndexer makes)"
                : "label column: the numbers to predict");
        predictionCol = new Param<>(owner, "predictionCol", classifier
                ? "prediction column: the predicted class index (double)" : "prediction column (double)");
        errorCol = new Param<>(owner, "errorCol",
                "error column: null, or why the row could not be scored (then the prediction columns are null)");
        probabilityCol = classifier ? new Param<>(owner, "probabilityCol",
                "probability column: the network's softmax output (vector)") : null;
        rawPredictionCol = classifier ? new Param<>(owner, "rawPredictionCol",
                "raw prediction column: the log of each class's probability (vector; the network ends in a softmax)")
                : null;
        model = new Param<>(owner, "model", ModelSpec.MODEL.doc());
        inputShape = new Param<>(owner, "inputShape",
                "shape of one example, e.g. 1,28,28 for a cnn on flat features; default: a flat vector");
        epochs = new IntParam(owner, "epochs", TrainingConfig.EPOCHS.doc(), ParamValidators.gtEq(1));
        batchSize = new IntParam(owner, "batchSize", TrainingConfig.BATCH_SIZE.doc()
                + " Also the rows per forward pass when scoring.", ParamValidators.gtEq(1));
        workers = new IntParam(owner, "workers", SparkTrainingConfig.WORKERS.doc(), ParamValidators.gtEq(0));
        syncEvery = new IntParam(owner, "syncEvery", io.averon.driver.training.AveragingCadence.SYNC_EVERY.doc(),
                ParamValidators.gtEq(0));
        averaging = new Param<>(owner, "averaging", SparkTrainingConfig.AVERAGING.doc(),
                ParamValidators.inArray(names(AveragingMode.values())));
        optimizer = new Param<>(owner, "optimizer", UpdaterSpec.OPTIMIZER.doc() + " One of "
                + names(Optimizer.values()) + ".", ParamValidators.inArray(names(Optimizer.values())));
        learningRate = new DoubleParam(owner, "learningRate", UpdaterSpec.LEARNING_RATE.doc(),
                ParamValidators.gt(0));
        seed = new LongParam(owner, "seed", TrainingConfig.SEED.doc());
        validationFraction = new DoubleParam(owner, "validationFraction",
                "fraction of the input held out (seeded random split) for the per-epoch validation metrics",
                ParamValidators.inRange(0, 1, false, false));
        validationIndicatorCol = new Param<>(owner, "validationIndicatorCol", "boolean column: true marks a row held "
                + "out for the per-epoch validation metrics (instead of validationFraction's random split; null "
                + "= a training row); default: none");

        owner.setDefault(featuresCol, "features");
        owner.setDefault(labelCol, "label");
        owner.setDefault(predictionCol, "prediction");
        owner.setDefault(errorCol, BatchScorer.ERROR);
        if (classifier) {
            owner.setDefault(probabilityCol, "probability");
            owner.setDefault(rawPredictionCol, "rawPrediction");
        }
        owner.setDefault(model, defaultModel);
        owner.setDefault(epochs, TrainingConfig.EPOCHS.defaultValue());
        owner.setDefault(batchSize, TrainingConfig.BATCH_SIZE.defaultValue());
        owner.setDefault(workers, SparkTrainingConfig.WORKERS.defaultValue());
        owner.setDefault(averaging, SparkTrainingConfig.AVERAGING.defaultText());
        owner.setDefault(optimizer, UpdaterSpec.OPTIMIZER.defaultText());
        owner.setDefault(seed, TrainingConfig.SEED.defaultValue());
        owner.setDefault(validationFraction, DataSpec.VALIDATION_SPLIT.defaultValue());
    }

    /** The model default of a classifier: Averon's ({@code mlp}). */
    static String classifierModel() {
        return ModelSpec.MODEL.defaultValue();
    }

    /** The model default of a regressor: the regression preset ({@code linear}). */
    static String regressorModel() {
        return ModelPreset.LINEAR.id();
    }

    private static List<String> names(Enum<?>[] values) {
        return Arrays.stream(values).map(v -> v.name().toLowerCase(Locale.ROOT)).toList();
    }
}
