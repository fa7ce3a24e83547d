package io.averon.driver.ml;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The params every Averon stage has, estimator and model alike (a model carries its estimator's
 * values, as Spark ML models do), declared once in {@link StageParams}. Spark finds them by
 * reflection over these public no-argument methods.
 */
public interface AveronParams extends Params {

    /** The param objects of this stage. */
    StageParams averonParams();

    default Param<String> featuresCol() {
        return averonParams().featuresCol;
    }

    default Param<String> labelCol() {
        return averonParams().labelCol;
    }

    default Param<String> predictionCol() {
        return averonParams().predictionCol;
    }

    default Param<String> errorCol() {
        return averonParams().errorCol;
    }

    default Param<String> model() {
        return averonParams().model;
    }

    default Param<String> inputShape() {
        return averonParams().inputShape;
    }

    default IntParam epochs() {
        return averonParams().epochs;
    }

    default IntParam batchSize() {
        return averonParams().batchSize;
    }

    default IntParam workers() {
        return averonParams().workers;
    }

    default IntParam syncEvery() {
        return averonParams().syncEvery;
    }

    default Param<String> averaging() {
        return averonParams().averaging;
    }

    default Param<String> optimizer() {
        return averonParams().optimizer;
    }

    default DoubleParam learningRate() {
        return averonParams().learningRate;
    }

    default LongParam seed() {
        return averonParams().seed;
    }

    default DoubleParam validationFraction() {
        return averonParams().validationFraction;
    }

    default Param<String> validationIndicatorCol() {
        return averonParams().validationIndicatorCol;
    }

    default String getFeaturesCol() {
        return getOrDefault(featuresCol());
    }

    default String getLabelCol() {
        return getOrDefault(labelCol());
    }

    default String getPredictionCol() {
        return getOrDefault(predictionCol());
    }

    default String getErrorCol() {
        return getOrDefault(errorCol());
    }

    default String getModel() {
        return getOrDefault(model());
    }

    /** The input shape, or null when not set (a flat vector). */
    default String getInputShape() {
        return isDefined(inputShape()) ? getOrDefault(inputShape()) : null;
    }

    default int getEpochs() {
        return (Integer) getOrDefault(epochs());
    }

    default int getBatchSize() {
        return (Integer) getOrDefault(batchSize());
    }

    default int getWorkers() {
        return (Integer) getOrDefault(workers());
    }

    /** Minibatches between averaging rounds, or null when not set (Averon's default by worker count). */
    default Integer getSyncEvery() {
        return isDefined(syncEvery()) ? (Integer) getOrDefault(syncEvery()) : null;
    }

    default String getAveraging() {
        return getOrDefault(averaging());
    }

    default String getOptimizer() {
        return getOrDefault(optimizer());
    }

    /** The learning rate, or null when not set (the preset's default for the optimizer). */
    default Double getLearningRate() {
        return isDefined(learningRate()) ? (Double) getOrDefault(learningRate()) : null;
    }

    default long getSeed() {
        return (Long) getOrDefault(seed());
    }

    default double getValidationFraction() {
        return (Double) getOrDefault(validationFraction());
    }

    /** The held-out rows' indicator column, or null: a random split ({@link #getValidationFraction()}). */
    default String getValidationIndicatorCol() {
        return isDefined(validationIndicatorCol()) ? getOrDefault(validationIndicatorCol()) : null;
    }
}
