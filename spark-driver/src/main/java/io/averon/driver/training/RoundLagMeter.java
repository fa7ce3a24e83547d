package io.averon.driver.training;

import java.util.function.LongFunction;

/**
 * Per epoch and worker, how late the worker's contributions to the epoch's rounds completed, as the
 * driver's own parameter server measured them ({@code ParameterServer#roundLagMsThrough}: per worker,
 * ms after each closed round's first contribution, summed over the rounds up to a round number).
 * The server knows rounds, not epochs; the driver knows each epoch's rounds by number
 * ({@link ShardPlan#roundsBefore}): an epoch's lag is the sums through its last round less the
 * sums through the previous epoch's last, whenever the driver takes it, however many of the next
 * epoch's rounds closed meanwhile. With hierarchical rounds a group's leader (its first task)
 * stands for the group, and its other tasks read 0.
 *
 * <p>Not measured ({@link #none()}) with an external parameter server or sharded averaging: their
 * counters live in other processes.
 */
final class RoundLagMeter {

    private final int workers;
    /** The server's per-worker sums in ms through a round, or null when nothing is measured. */
    private final LongFunction<long[]> lagMsThrough;
    private final ShardPlan shards;

    private RoundLagMeter(int workers, LongFunction<long[]> lagMsThrough, ShardPlan shards) {
        this.workers = workers;
        this.lagMsThrough = lagMsThrough;
        this.shards = shards;
    }

    /** Measures nothing: every epoch's lag is null. */
    static RoundLagMeter none() {
        return new RoundLagMeter(0, null, null);
    }

    /** Reads the driver's server's sums ({@code server::roundLagMsThrough}) for the rounds {@code shards} plans. */
    static RoundLagMeter of(LongFunction<long[]> lagMsThrough, ShardPlan shards) {
        return new RoundLagMeter(shards.workers(), lagMsThrough, shards);
    }

    /**
     * Per worker, the seconds its contributions to {@code epoch}'s rounds completed late; null when
     * not measured, or when the server no longer keeps the sums of the epoch's rounds.
     */
    double[] seconds(int epoch) {
        if (lagMsThrough == null) {
            return null;
        }
        long[] before = lagMsThrough.apply(shards.roundsBefore(epoch));
        long[] through = lagMsThrough.apply(shards.roundsBefore(epoch + 1));
        if (before == null || through == null) {
            return null;
        }
        double[] seconds = new double[workers];
        for (int w = 0; w < Math.min(workers, through.length); w++) {
            seconds[w] = (through[w] - before[w]) / 1000.0;
        }
        return seconds;
    }
}
