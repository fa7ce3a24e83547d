package io.averon.core.report;

import io.averon.core.train.EpochRecord;

import java.util.List;

/**
 * Each worker's figures summed over a distributed run's epochs ({@link EpochRecord.Distributed}),
 * for the report's table of workers.
 *
 * @param computeSeconds  by worker: minibatch training
 * @param syncSeconds     by worker: waiting on parameter-server rounds
 * @param roundLagSeconds by worker: how late its contributions to the rounds completed after each
 *                        round's first; null when no epoch measured it
 */
record WorkerTotals(double[] computeSeconds, double[] syncSeconds, double[] roundLagSeconds) {

    /** The sums over the epochs with distributed figures; null when there are none (the local engine). */
    static WorkerTotals of(List<EpochRecord> epochs) {
        int workers = 0;
        boolean lagMeasured = false;
        for (EpochRecord e : epochs) {
            if (e.distributed() != null) {
                workers = Math.max(workers, e.distributed().computeSeconds().length);
                lagMeasured |= e.distributed().roundLagSeconds() != null;
            }
        }
        if (workers == 0) {
            return null;
        }
        WorkerTotals totals = new WorkerTotals(new double[workers], new double[workers],
                lagMeasured ? new double[workers] : null);
        for (EpochRecord e : epochs) {
            EpochRecord.Distributed d = e.distributed();
            if (d != null) {
                add(totals.computeSeconds, d.computeSeconds());
                add(totals.syncSeconds, d.syncSeconds());
                if (lagMeasured && d.roundLagSeconds() != null) {
                    add(totals.roundLagSeconds, d.roundLagSeconds());
                }
            }
        }
        return totals;
    }

    int workers() {
        return computeSeconds.length;
    }

    /** The worker whose contributions the rounds waited for longest, or -1 if none was measured late. */
    int slowest() {
        int slowest = -1;
        for (int w = 0; roundLagSeconds != null && w < roundLagSeconds.length; w++) {
            if (roundLagSeconds[w] > 0 && (slowest < 0 || roundLagSeconds[w] > roundLagSeconds[slowest])) {
                slowest = w;
            }
        }
        return slowest;
    }

    private static void add(double[] sums, double[] values) {
        for (int w = 0; w < Math.min(sums.length, values.length); w++) {
            sums[w] += values[w];
        }
    }
}
