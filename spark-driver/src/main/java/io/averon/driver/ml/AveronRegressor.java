package io.averon.driver.ml;

import io.averon.driver.scoring.ScoringModel;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;

/**
 * A Spark ML estimator that trains an Averon regression model ({@code linear}, or a DL4J
 * configuration with one output) on the Spark engine, on a features column (vector or array of
 * numbers) and a numeric label column.
 */
public final class AveronRegressor extends AveronEstimator<AveronRegressor, AveronRegressionModel> {

    private static final long serialVersionUID = 1L;

    public AveronRegressor() {
        this(Identifiable.randomUID("averonRegressor"));
    }

    public AveronRegressor(String uid) {
        super(uid, false, StageParams.regressorModel());
    }

    @Override
    boolean classifier() {
        return false;
    }

    @Override
    AveronRegressionModel newModel(String uid, ScoringModel scoring, TrainingSummary summary) {
        AveronRegressionModel model = new AveronRegressionModel(uid);
        model.attach(scoring, summary);
        return model;
    }

    /** Spark ML's reader of a saved regressor (its params). */
    public static MLReader<AveronRegressor> read() {
        return new DefaultParamsReadable<AveronRegressor>() { }.read();
    }

    public static AveronRegressor load(String path) {
        return read().load(path);
    }
}
