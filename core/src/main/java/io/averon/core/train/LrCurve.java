package io.averon.core.train;

import io.averon.core.AveronException;

import java.util.Arrays;
import java.util.List;

/**
 * The result of a learning-rate range test ({@link LrFinder}): the rate and minibatch loss of
 * every step taken, the smoothed loss, and the suggested rate.
 *
 * <p>Smoothing (as fast.ai's {@code lr_find}): an exponential moving average with
 * {@code beta = 0.98} and bias correction, {@code avg_i = beta avg_{i-1} + (1 - beta) loss_i},
 * {@code smoothed_i = avg_i / (1 - beta^(i+1))}. The curve ends at the first step whose smoothed
 * loss exceeds {@value #DIVERGENCE_FACTOR} times the smallest smoothed loss so far (diverged).
 *
 * <p>Suggestion (fast.ai's "steep"): the rate at which the smoothed loss falls fastest against
 * {@code ln(rate)}, i.e. the step {@code i} with the most negative
 * {@code (smoothed_{i+1} - smoothed_i) / (ln rate_{i+1} - ln rate_i)}. Only the descent to the
 * lowest smoothed loss is searched, after skipping the first tenth of the steps (where the average
 * has seen few losses): past the minimum the loss can fall steeply again after a spike, at rates
 * that do not train. If that window is shorter than 2 steps, the whole descent to the minimum is
 * searched; if the loss never fell, the whole curve. A rate on the steepest descent still trains
 * fast and lies well below the rates at which the loss blows up.
 *
 * @param learningRates  the rate of each step taken
 * @param losses         each step's minibatch loss (what the optimiser saw, dropout on)
 * @param smoothedLosses the smoothed losses
 * @param suggestedRate  the suggested learning rate, {@code learningRates[suggestedStep]}
 * @param suggestedStep  the step (0-based) of the suggestion
 * @param stop           why the curve ends where it does
 */
public record LrCurve(double[] learningRates, double[] losses, double[] smoothedLosses, double suggestedRate,
                      int suggestedStep, Stop stop) {

    /** Smoothing factor of the moving average of the loss. */
    public static final double SMOOTHING = 0.98;
    /** The test stops once the smoothed loss exceeds this multiple of its minimum. */
    public static final double DIVERGENCE_FACTOR = 4;
    /** How the suggestion is chosen, for reports. */
    public static final String SUGGESTION_RULE = "steepest descent of the smoothed loss";

    /** Why a curve ends. */
    public enum Stop {
        /** Every planned step ran without diverging. */
        COMPLETED,
        /** The smoothed loss exceeded {@value LrCurve#DIVERGENCE_FACTOR}x its minimum, or a loss was not finite. */
        DIVERGED
    }

    public LrCurve {
        if (learningRates.length != losses.length || losses.length != smoothedLosses.length) {
            throw new IllegalArgumentException("rates, losses and smoothed losses differ in length");
        }
    }

    /** Steps on the curve. */
    public int steps() {
        return losses.length;
    }

    /**
     * Smooths {@code losses}, ends the curve where the smoothed loss diverges and picks the
     * suggestion.
     *
     * @param stop {@link Stop#DIVERGED} if the steps after these were cut off for another reason
     *             (a non-finite loss); the result says DIVERGED as well if the smoothed loss diverges
     * @throws AveronException if fewer than 2 steps remain (no slope to look at)
     */
    public static LrCurve of(double[] rates, double[] losses, Stop stop) {
        if (rates.length < losses.length) {
            throw new IllegalArgumentException(losses.length + " losses for " + rates.length + " rates");
        }
        Smoother smoother = new Smoother();
        int n = 0;
        double[] smoothed = new double[losses.length];
        boolean diverged = false;
        while (n < losses.length && !diverged) {
            diverged = smoother.add(losses[n]);
            smoothed[n] = smoother.smoothed();
            n++;
        }
        if (n < 2) {
            throw new AveronException("the learning-rate range test took only " + n + " step(s) before the loss "
                    + "diverged: start the range lower, or check the data for extreme values");
        }
        double[] r = Arrays.copyOf(rates, n);
        double[] s = Arrays.copyOf(smoothed, n);
        int at = steepest(r, s);
        return new LrCurve(r, Arrays.copyOf(losses, n), s, r[at], at, diverged ? Stop.DIVERGED : stop);
    }

    /**
     * The curve of the step-by-step mean of the raw losses of {@code curves} (which share their
     * rates), up to the shortest, smoothed and analysed as one curve.
     */
    public static LrCurve average(List<LrCurve> curves) {
        if (curves.isEmpty()) {
            throw new IllegalArgumentException("no curves to average");
        }
        LrCurve shortest = curves.stream().min(java.util.Comparator.comparingInt(LrCurve::steps)).orElseThrow();
        int n = shortest.steps();
        double[] mean = new double[n];
        for (LrCurve c : curves) {
            for (int i = 0; i < n; i++) {
                if (c.learningRates[i] != shortest.learningRates[i]) {
                    throw new IllegalArgumentException("curves with different rates at step " + i);
                }
                mean[i] += c.losses[i] / curves.size();
            }
        }
        return of(shortest.learningRates, mean, shortest.stop);
    }

    /** The start of the window searched for the steepest descent, for a curve of {@code n} steps. */
    static int skipStart(int n) {
        return n / 10;
    }

    private static int steepest(double[] rates, double[] smoothed) {
        int lowest = 0;
        for (int i = 1; i < smoothed.length; i++) {
            if (smoothed[i] < smoothed[lowest]) {
                lowest = i;
            }
        }
        // slopes from step i to i + 1 for i in [from, to)
        int from = skipStart(rates.length);
        int to = lowest;
        if (to - from < 2) {
            from = 0;
        }
        if (to < 1) {
            to = rates.length - 1; // the loss never fell: the least rising slope
        }
        int best = from;
        double bestSlope = Double.POSITIVE_INFINITY;
        for (int i = from; i < to; i++) {
            double slope = (smoothed[i + 1] - smoothed[i]) / (Math.log(rates[i + 1]) - Math.log(rates[i]));
            if (slope < bestSlope) {
                bestSlope = slope;
                best = i;
            }
        }
        return best;
    }

    /** The bias-corrected moving average and the divergence test, step by step. */
    static final class Smoother {
        private double average;
        private double min = Double.POSITIVE_INFINITY;
        private double smoothed;
        private int count;

        /** Adds one loss; returns whether the smoothed loss has now diverged. */
        boolean add(double loss) {
            count++;
            average = SMOOTHING * average + (1 - SMOOTHING) * loss;
            smoothed = average / (1 - Math.pow(SMOOTHING, count));
            min = Math.min(min, smoothed);
            return !Double.isFinite(smoothed) || smoothed > DIVERGENCE_FACTOR * min;
        }

        double smoothed() {
            return smoothed;
        }
    }
}
