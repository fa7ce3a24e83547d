package io.averon.driver.training;

import java.util.List;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Per epoch and worker, how late the worker's contributions to the epoch's rounds completed, as the
 * driver's own parameter server measured them ({@code ServerCounters.Snapshot#roundLagMs}: per
 * worker, ms after each closed round's first contribution, summed since the server started).
 * The server knows rounds, not epochs: the meter reads its sums when an epoch's first report
 * arrives and gives the epoch their growth since the previous epoch's reading. That reading holds
 * exactly the epoch's rounds: a worker reports an epoch only after the epoch's last round (always
 * synchronous) closed, and the next epoch's first round cannot close before every worker has sent
 * its report and trained on. With hierarchical rounds a group's leader (its first task) stands for
 * the group, and its other tasks read 0.
 *
 * <p>Not measured ({@link #none()}) with an external parameter server or sharded averaging: their
 * counters live in other processes. Used on the driver's thread only.
 */
final class RoundLagMeter {

    private final int workers;
    /** The server's per-worker sums in ms, or null when nothing is measured. */
    private final Supplier<List<Long>> lagMs;
    /** By epoch: the sums when its first report arrived, until the epoch is taken. */
    private final TreeMap<Integer, long[]> readings = new TreeMap<>();
    /** The sums the last taken epoch ended at. */
    private long[] taken;

    private RoundLagMeter(int workers, Supplier<List<Long>> lagMs) {
        this.workers = workers;
        this.lagMs = lagMs;
        this.taken = lagMs == null ? null : read();
    }

    /** Measures nothing: every epoch's lag is null. */
    static RoundLagMeter none() {
        return new RoundLagMeter(0, null);
    }

    /** Reads the driver's server's per-worker sums ({@code server.counters().roundLagMs()}), from now on. */
    static RoundLagMeter of(int workers, Supplier<List<Long>> lagMs) {
        return new RoundLagMeter(workers, lagMs);
    }

    /** A report of {@code epoch} arrived: the first one reads the server's sums. */
    void onReport(int epoch) {
        if (lagMs != null) {
            readings.computeIfAbsent(epoch, e -> read());
        }
    }

    /**
     * Per worker, the seconds its contributions to {@code epoch}'s rounds completed late; null when
     * not measured. Take each epoch once, in order.
     */
    double[] takeSeconds(int epoch) {
        if (lagMs == null) {
            return null;
        }
        long[] reading = readings.remove(epoch);
        if (reading == null) {
            reading = read();
        }
        double[] seconds = new double[workers];
        for (int w = 0; w < workers; w++) {
            seconds[w] = (reading[w] - taken[w]) / 1000.0;
        }
        taken = reading;
        return seconds;
    }

    private long[] read() {
        List<Long> sums = lagMs.get();
        long[] ms = new long[workers];
        for (int w = 0; w < Math.min(workers, sums.size()); w++) {
            ms[w] = sums.get(w);
        }
        return ms;
    }
}
