package io.averon.driver.ml;

import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;

/**
 * A fitted {@link AveronRegressor}. {@code transform} appends {@code prediction} (double) and
 * {@code error} (null, or why the row could not be scored; then the prediction is null).
 *
 * <p>The no-argument and uid constructors make an empty model (what Spark's reader and
 * {@code ServiceLoader} need); it scores once fitted or loaded.
 */
public final class AveronRegressionModel extends AveronPredictionModel<AveronRegressionModel> {

    private static final long serialVersionUID = 1L;

    public AveronRegressionModel() {
        this(Identifiable.randomUID("averonRegressionModel"));
    }

    public AveronRegressionModel(String uid) {
        super(uid, false, StageParams.regressorModel());
    }

    @Override
    boolean classifier() {
        return false;
    }

    @Override
    AveronRegressionModel newInstance(String uid) {
        return new AveronRegressionModel(uid);
    }

    @Override
    RowOutput rowOutput() {
        return new Value();
    }

    /** prediction. */
    private static final class Value implements RowOutput {
        private static final long serialVersionUID = 1L;

        @Override
        public Object[] values(float[] scores) {
            return new Object[] {(double) scores[0]};
        }

        @Override
        public int columns() {
            return 1;
        }
    }

    public static MLReader<AveronRegressionModel> read() {
        return new ModelPersistence.Reader<>();
    }

    public static AveronRegressionModel load(String path) {
        return read().load(path);
    }
}
