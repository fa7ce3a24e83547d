package io.averon.driver.ml;

import org.apache.spark.ml.param.Param;

/** The params a classifier stage adds: its probability and raw-prediction columns. */
public interface ClassifierParams extends AveronParams {

    default Param<String> probabilityCol() {
        return averonParams().probabilityCol;
    }

    default Param<String> rawPredictionCol() {
        return averonParams().rawPredictionCol;
    }

    default String getProbabilityCol() {
        return getOrDefault(probabilityCol());
    }

    default String getRawPredictionCol() {
        return getOrDefault(rawPredictionCol());
    }
}
