package io.averon.core.metrics;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Mergeable accumulator of single-output regression metrics: MSE, MAE and R². Not thread-safe:
 * one thread owns an instance; partial results from other partitions are combined with {@link
 * #merge}. Serializable, so an executor's partial result can be shipped to the driver.
 *
 * <p>Everything is kept as mergeable sums in {@code double}: the example count, the summed squared
 * and absolute errors, and the targets' running mean and sum of squared deviations from it
 * (Welford's update, merged with Chan et al.'s formula). The latter gives R²'s total sum of squares
 * without the cancellation of {@code sum(y²) - sum(y)²/n}, and is exactly 0 when all targets are
 * equal.
 *
 * <p>While no example has been added, {@link #mse}, {@link #mae} and {@link #r2} are {@code NaN}.
 * Values are not checked for finiteness; a {@code NaN} input propagates into the results.
 */
public final class RegressionMetrics implements Serializable {
    private static final long serialVersionUID = 1L;

    private long count;
    private double sumSquaredError;
    private double sumAbsoluteError;
    private double targetMean;
    private double targetSquaredDeviations;

    /** An empty accumulator. */
    public RegressionMetrics() {
    }

    /**
     * Adds a batch. Allocates nothing.
     *
     * @param predictions  {@code predictions[r]} is the model's output for row {@code r}
     * @param rowCount     number of rows to read
     * @param targets      {@code targets[targetOffset + r]} is the true value of row {@code r}
     * @param targetOffset index in {@code targets} of row 0's target
     * @throws IllegalArgumentException if the arrays are too short for {@code rowCount} rows
     */
    public void add(float[] predictions, int rowCount, float[] targets, int targetOffset) {
        Objects.requireNonNull(predictions, "predictions");
        Objects.requireNonNull(targets, "targets");
        if (rowCount < 0) {
            throw new IllegalArgumentException("rowCount must not be negative, got " + rowCount);
        }
        if (rowCount > predictions.length) {
            throw new IllegalArgumentException("predictions has " + predictions.length + " values, need "
                    + rowCount);
        }
        if (targetOffset < 0 || (long) targetOffset + rowCount > targets.length) {
            throw new IllegalArgumentException("targets[" + targetOffset + ", " + ((long) targetOffset + rowCount)
                    + ") is outside an array of length " + targets.length);
        }
        for (int r = 0; r < rowCount; r++) {
            double y = targets[targetOffset + r];
            double error = (double) predictions[r] - y;
            sumSquaredError += error * error;
            sumAbsoluteError += Math.abs(error);
            count++;
            double delta = y - targetMean;
            targetMean += delta / count;
            targetSquaredDeviations += delta * (y - targetMean);
        }
    }

    /** Adds another accumulator's sums to this one; {@code other} is not changed. */
    public void merge(RegressionMetrics other) {
        Objects.requireNonNull(other, "other");
        if (other.count == 0) {
            return;
        }
        if (count == 0) {
            count = other.count;
            sumSquaredError = other.sumSquaredError;
            sumAbsoluteError = other.sumAbsoluteError;
            targetMean = other.targetMean;
            targetSquaredDeviations = other.targetSquaredDeviations;
            return;
        }
        double n = (double) count + other.count;
        double delta = other.targetMean - targetMean;
        double otherShare = other.count / n;
        targetSquaredDeviations += other.targetSquaredDeviations + delta * delta * count * otherShare;
        targetMean += delta * otherShare;
        sumSquaredError += other.sumSquaredError;
        sumAbsoluteError += other.sumAbsoluteError;
        count += other.count;
    }

    /** The raw sums, as JSON-ready values (see {@link #fromState}). */
    public java.util.Map<String, Object> state() {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("count", count);
        out.put("sum_squared_error", sumSquaredError);
        out.put("sum_absolute_error", sumAbsoluteError);
        out.put("target_mean", targetMean);
        out.put("target_squared_deviations", targetSquaredDeviations);
        return out;
    }

    /**
     * Rebuilds an accumulator from {@link #state()} (as parsed from JSON).
     *
     * @throws IllegalArgumentException if the state is malformed
     */
    public static RegressionMetrics fromState(java.util.Map<String, ?> state) {
        try {
            RegressionMetrics m = new RegressionMetrics();
            m.count = ((Number) state.get("count")).longValue();
            m.sumSquaredError = ((Number) state.get("sum_squared_error")).doubleValue();
            m.sumAbsoluteError = ((Number) state.get("sum_absolute_error")).doubleValue();
            m.targetMean = ((Number) state.get("target_mean")).doubleValue();
            m.targetSquaredDeviations = ((Number) state.get("target_squared_deviations")).doubleValue();
            if (m.count < 0 || m.sumSquaredError < 0 || m.sumAbsoluteError < 0 || m.targetSquaredDeviations < 0) {
                throw new IllegalArgumentException("negative count or sum");
            }
            return m;
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException("malformed regression metrics state: " + e.getMessage(), e);
        }
    }

    /** Number of examples added. */
    public long count() {
        return count;
    }

    /** Mean squared error; {@code NaN} if empty. */
    public double mse() {
        return count == 0 ? Double.NaN : sumSquaredError / count;
    }

    /** Mean absolute error; {@code NaN} if empty. */
    public double mae() {
        return count == 0 ? Double.NaN : sumAbsoluteError / count;
    }

    /**
     * Coefficient of determination {@code 1 - SSres / SStot}, where SStot is the targets' sum of
     * squared deviations from the mean of all targets seen. 1 for perfect predictions, 0 for
     * always predicting the mean, negative for worse. {@code NaN} when SStot is 0 (all targets
     * equal, or no example): R² is undefined then, even for perfect predictions.
     */
    public double r2() {
        if (count == 0 || targetSquaredDeviations == 0) {
            return Double.NaN;
        }
        return 1.0 - sumSquaredError / targetSquaredDeviations;
    }

    /** The loss reported for regression: the {@link #mse()}. */
    public double meanLoss() {
        return mse();
    }

    /** A multi-line text report: example count, MSE, RMSE, MAE and R². */
    public String formatReport() {
        String nl = System.lineSeparator();
        return String.format(Locale.ROOT, "%-10s%d", "examples", count) + nl
                + String.format(Locale.ROOT, "%-10s%.6f", "mse", mse()) + nl
                + String.format(Locale.ROOT, "%-10s%.6f", "rmse", Math.sqrt(mse())) + nl
                + String.format(Locale.ROOT, "%-10s%.6f", "mae", mae()) + nl
                + String.format(Locale.ROOT, "%-10s%.4f", "r2", r2()) + nl;
    }

    /**
     * The metrics as a JSON-ready map (insertion-ordered) with keys {@code test_loss} (the MSE),
     * {@code mse}, {@code mae} and {@code r2}.
     */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("test_loss", meanLoss());
        json.put("mse", mse());
        json.put("mae", mae());
        json.put("r2", r2());
        return json;
    }
}
